"""Names and ownership tags every component gives the libvirt objects it makes."""

from __future__ import annotations

import hashlib

import pulumi
from pulumi.runtime import settings as runtime_settings

from components.config.errors import ComponentArgumentError
from components.spec.names import check_libvirt_name, default_libvirt_name
from components.spec.ownership import Ownership


class Owner:
    """One component instance as a claimant: two instances described alike (two
    `VirtualMachine('web-1')`) are still two owners."""

    def __init__(self, kind: str, name: str) -> None:
        try:
            check_libvirt_name(name)
        except ValueError as err:
            raise ComponentArgumentError(f"{kind} {name!r}: name: {err}") from None
        self.text = f"{kind} {name!r}"

    def __str__(self) -> str:
        return self.text


_run_claims: tuple[object, dict[tuple[str, str, str], Owner]] | None = None


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


def claim(kind: str, scope: str, name: str, owner: Owner) -> None:
    """Record that `owner` (e.g. VirtualMachine 'web-1') makes or uses `kind` `name` in
    `scope` (a host's daemon, a pool, or "" for the whole stack) in this program run; refuse
    a second owner. Components call this before registering anything, so two VMs named
    alike, or a pool path two pools share, fail with both owners named, before any change.
    """
    global _run_claims  # noqa: PLW0603 - claims live for one program run (one monitor)
    run = runtime_settings.SETTINGS.monitor
    if _run_claims is None or _run_claims[0] is not run:
        _run_claims = (run, {})
    owners = _run_claims[1]
    key = (kind, scope, name)
    first = owners.setdefault(key, owner)
    if first is not owner:
        where = f" {scope}" if scope else ""
        raise ComponentArgumentError(
            f"{owner}: {kind} {name!r}{where} is already claimed by {first}"
        )


def adopting(adopt: bool) -> dict[str, bool]:
    """The `adopt` input, given only when set: what a stack does not adopt keeps its inputs
    (and plans) as they were."""
    return {"adopt": True} if adopt else {}
