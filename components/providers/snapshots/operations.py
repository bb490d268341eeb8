"""Take, list, delete and revert the snapshots of one libvirt domain.

Deleting a snapshot deletes only the snapshot: never the domain or its disks (libvirt merges an
external snapshot's overlay back into its disk chain). Reverting an internal snapshot is
libvirt's; an external one is reverted only where that is safe (see `external_revert`) and
refused with an explanation otherwise — never a partial revert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import libvirt
from lxml import etree

from components.providers.base import each_found
from components.providers.snapshots.kinds import (
    DomainFacts,
    SnapshotOptions,
    SnapshotPlan,
    SnapshotRefusedError,
    VolumeResolver,
    domain_facts,
    plan_snapshot,
)
from components.spec.snapshot import SnapshotSpec, SnapshotTag


@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot of a domain as libvirt reports it, with our tag if it has one."""

    domain: str
    spec: SnapshotSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def tag(self) -> SnapshotTag | None:
        return self.spec.tag

    @property
    def taken(self) -> datetime:
        """When it was taken: our tag's time (the runner's clock), else libvirt's."""
        tag = self.tag
        if tag is not None:
            return tag.taken
        return datetime.fromtimestamp(self.spec.creation_time or 0, UTC)

    @property
    def kind(self) -> str:
        return "external" if self.spec.is_external() else "internal"


@dataclass(frozen=True)
class TakenSnapshot:
    """A snapshot just made, with the plan it followed (kind, memory, notes)."""

    info: SnapshotInfo
    plan: SnapshotPlan


def resolver(conn: libvirt.virConnect) -> VolumeResolver:
    """(pool, volume) → path on the host, through libvirt's storage API."""

    def resolve(pool: str, volume: str) -> str:
        return str(conn.storagePoolLookupByName(pool).storageVolLookupByName(volume).path())

    return resolve


def facts_of(dom: libvirt.virDomain) -> DomainFacts:
    """The domain's snapshot facts from its current XML (live when it runs)."""
    active = bool(dom.isActive())
    xml = dom.XMLDesc(0 if active else libvirt.VIR_DOMAIN_XML_INACTIVE)
    return domain_facts(xml, active, resolver(dom.connect()))


def take_snapshot(
    dom: libvirt.virDomain, name: str, tag: SnapshotTag, options: SnapshotOptions
) -> TakenSnapshot:
    """Take one snapshot (atomic over all disks), tagged with `tag`."""
    facts = facts_of(dom)
    plan = plan_snapshot(facts, name, tag.describe(), options)
    flags = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC
    if plan.kind == "external":
        flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
    if plan.quiesce:
        flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE
    snap = dom.snapshotCreateXML(plan.spec.to_xml(), flags)
    if plan.kind == "external":
        _volume_sources_as_files(dom, snap)
        snap = dom.snapshotLookupByName(name)
    return TakenSnapshot(_info(dom, snap), plan)


def _volume_sources_as_files(dom: libvirt.virDomain, snap: libvirt.virDomainSnapshot) -> None:
    """Rewrite pool-volume disks in the snapshot's saved domain XML as plain files.

    libvirt 9.0 cannot delete an external snapshot whose parent disk was a `type='volume'`
    disk ("snapshot VM disk source and parent disk source are not the same": it compares the
    volume with the file it resolves to). The same disk spelled as its file is equal, and
    redefining the snapshot's metadata that way (REDEFINE) makes the delete work.
    """
    root = etree.fromstring(snap.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE).encode())
    resolve = resolver(dom.connect())
    changed = False
    for section in ("domain", "inactiveDomain"):
        for disk in root.findall(f"{section}/devices/disk[@type='volume']"):
            source = disk.find("source")
            if source is None or not source.get("pool") or not source.get("volume"):
                continue
            path = resolve(str(source.get("pool")), str(source.get("volume")))
            disk.set("type", "file")
            for attribute in ("pool", "volume", "mode"):
                if attribute in source.attrib:
                    del source.attrib[attribute]
            source.set("file", path)
            changed = True
    if changed:
        dom.snapshotCreateXML(
            etree.tostring(root, encoding="unicode"), libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
        )


def _info(dom: libvirt.virDomain, snap: libvirt.virDomainSnapshot) -> SnapshotInfo:
    return SnapshotInfo(str(dom.name()), SnapshotSpec.from_xml(snap.getXMLDesc(0)))


def list_snapshots(dom: libvirt.virDomain) -> list[SnapshotInfo]:
    """Every snapshot of the domain, oldest first."""
    # Another call (a pre-change prune, the runner) may delete a snapshot meanwhile.
    listed = each_found(
        dom.listAllSnapshots(0), lambda s: _info(dom, s), libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT
    )
    found = [info for _snap, info in listed]
    return sorted(found, key=lambda s: (s.spec.creation_time or 0, s.name))


def delete_snapshot(dom: libvirt.virDomain, name: str) -> None:
    """Delete one snapshot (its children stay; an external one is merged into the chain)."""
    dom.snapshotLookupByName(name).delete(0)


def revert_snapshot(dom: libvirt.virDomain, name: str) -> str:
    """Revert the domain to snapshot `name`; return what happened, in words.

    Internal snapshots: a snapshot with memory resumes the VM where it was; one without
    (taken while the VM was off) leaves the disks as they were then and starts the VM again
    if it was running. External snapshots: see `external_revert.revert_external`.
    """
    snap = dom.snapshotLookupByName(name)
    spec = SnapshotSpec.from_xml(snap.getXMLDesc(0))
    if spec.is_external():
        from components.providers.snapshots.external_revert import revert_external

        return revert_external(dom, spec)
    was_active = bool(dom.isActive())
    if spec.has_memory():
        dom.revertToSnapshot(snap, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING)
        return f"reverted {dom.name()} to {name} (memory state restored; the VM runs)"
    if was_active:
        dom.revertToSnapshot(
            snap,
            libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE,
        )
        return f"reverted {dom.name()} to {name} (disks only; the VM was restarted from them)"
    dom.revertToSnapshot(snap, 0)
    return f"reverted {dom.name()} to {name} (disks only; the VM stays off)"


__all__ = [
    "SnapshotInfo",
    "SnapshotRefusedError",
    "TakenSnapshot",
    "delete_snapshot",
    "list_snapshots",
    "revert_snapshot",
    "take_snapshot",
]
