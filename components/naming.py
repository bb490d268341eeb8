"""Names and ownership tags every component gives the libvirt objects it makes."""

from __future__ import annotations

import hashlib

import pulumi

from components.spec.names import check_libvirt_name, default_libvirt_name
from components.spec.ownership import Ownership


def libvirt_name(logical_name: str, override: str | None = None, suffix: str = "") -> str:
    """`<stack>-<name><suffix>` (or the override), checked against libvirt's rules."""
    base = override or default_libvirt_name(pulumi.get_stack(), logical_name)
    return check_libvirt_name(base + suffix)


def ownership(logical_name: str) -> dict[str, str]:
    """The ownership tag (wire form) for an object made for `logical_name`."""
    tag = Ownership(project=pulumi.get_project(), stack=pulumi.get_stack(), name=logical_name)
    return tag.model_dump(by_alias=True)


def derived_mac(vm_name: str, nic_index: int) -> str:
    """A MAC stable across runs and hosts for one VM's NIC, in QEMU's locally administered
    52:54:00 range, derived from project, stack, VM and NIC index."""
    seed = f"{pulumi.get_project()}/{pulumi.get_stack()}/{vm_name}/{nic_index}"
    digest = hashlib.sha256(seed.encode()).digest()
    return "52:54:00:" + ":".join(f"{b:02x}" for b in digest[:3])


def adopting(adopt: bool) -> dict[str, bool]:
    """The `adopt` input, given only when set: what a stack does not adopt keeps its inputs
    (and plans) as they were."""
    return {"adopt": True} if adopt else {}
