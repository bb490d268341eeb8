"""The governed VMs of a libvirt host and their snapshots, as the runner sees them.

A domain is governed when its `<metadata>` carries a snapshot policy element (written by the
domain provider from the stack). `SnapshotHost` is what the runner needs from a host; the
libvirt implementation is here, tests give the runner an in-memory one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import libvirt
from lxml import etree

from components.providers.base import each_found, found
from components.providers.connection import connect
from components.providers.snapshots.kinds import SnapshotOptions
from components.providers.snapshots.operations import (
    SnapshotInfo,
    TakenSnapshot,
    delete_snapshot,
    list_snapshots,
    take_snapshot,
)
from components.spec.ownership import OWNER_NS, Ownership
from components.spec.snapshot import SnapshotTag
from components.spec.snapshot_policy import POLICY_NS, POLICY_PREFIX, SnapshotPolicySpec


@dataclass(frozen=True)
class GovernedVm:
    """A domain under a snapshot policy."""

    domain: str
    policy: SnapshotPolicySpec
    owner: Ownership | None

    def matches(self, name: str) -> bool:
        """`name` is the libvirt name or the stack's logical name of this VM."""
        return name == self.domain or (self.owner is not None and name == self.owner.name)


class SnapshotHost(Protocol):
    """What the runner needs from one host."""

    uri: str

    def governed(self) -> list[GovernedVm]:
        """The governed VMs on this host."""
        ...

    def snapshots(self, domain: str) -> list[SnapshotInfo]:
        """All snapshots of a domain (ours and others)."""
        ...

    def take(self, vm: GovernedVm, name: str, tag: SnapshotTag) -> TakenSnapshot:
        """Take a snapshot of `vm` following its policy's mode/memory/quiesce settings."""
        ...

    def delete(self, domain: str, name: str) -> None:
        """Delete one snapshot of a domain (never the domain or its disks)."""
        ...


def read_metadata(dom: libvirt.virDomain, namespace: str) -> str | None:
    """The domain's persistent metadata element of `namespace`, or None."""
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
    return found(
        lambda: str(dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, namespace, flags)),
        libvirt.VIR_ERR_NO_DOMAIN_METADATA,
    )


def policy_of(dom: libvirt.virDomain) -> SnapshotPolicySpec | None:
    """The snapshot policy stored in the domain's metadata, if any."""
    xml = read_metadata(dom, POLICY_NS)
    return SnapshotPolicySpec.from_xml(xml) if xml else None


def write_policy(dom: libvirt.virDomain, policy: SnapshotPolicySpec | None) -> None:
    """Store (or, with None, remove) the policy element, in the definition and, if running, live."""
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
    if dom.isActive():
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    if policy is None:
        dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, None, None, POLICY_NS, flags)
        return
    xml = etree.tostring(policy.to_element(), encoding="unicode")
    dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, xml, POLICY_PREFIX, POLICY_NS, flags)


class LibvirtSnapshotHost:
    """A host reached through libvirt; `stack`/`project` limit it to one stack's VMs."""

    def __init__(self, uri: str, stack: str | None = None, project: str | None = None) -> None:
        self.uri = uri
        self.stack = stack
        self.project = project
        self._conn: libvirt.virConnect | None = None

    @property
    def conn(self) -> libvirt.virConnect:
        if self._conn is None:
            self._conn = connect(self.uri)
        return self._conn

    def governed(self) -> list[GovernedVm]:
        found = []
        tags = each_found(
            self.conn.listAllDomains(0),
            lambda d: (policy_of(d), read_metadata(d, OWNER_NS)),
            libvirt.VIR_ERR_NO_DOMAIN,
        )
        for dom, (policy, owner_xml) in tags:
            if policy is None:
                continue
            owner = Ownership.from_xml(owner_xml) if owner_xml else None
            if self.stack is not None and (owner is None or owner.stack != self.stack):
                continue
            if self.project is not None and (owner is None or owner.project != self.project):
                continue
            found.append(GovernedVm(str(dom.name()), policy, owner))
        return sorted(found, key=lambda vm: vm.domain)

    def domain(self, name: str) -> libvirt.virDomain:
        return self.conn.lookupByName(name)

    def snapshots(self, domain: str) -> list[SnapshotInfo]:
        return list_snapshots(self.domain(domain))

    def take(self, vm: GovernedVm, name: str, tag: SnapshotTag) -> TakenSnapshot:
        return take_snapshot(self.domain(vm.domain), name, tag, SnapshotOptions.of(vm.policy))

    def delete(self, domain: str, name: str) -> None:
        delete_snapshot(self.domain(domain), name)
