"""Which kind of snapshot a VM gets, decided from its live domain XML (pure, no I/O).

- internal: kept inside the qcow2 files (and, for a running VM, its memory in the first
  qcow2); libvirt 9.0 can revert to it. Needs every snapshotted disk to be qcow2 and no
  pflash (UEFI) firmware: libvirt before 10.10 refuses internal snapshots of pflash VMs.
  libvirt 9.0 takes an internal snapshot of a *running* VM only together with its memory.
- external disk-only: each disk gets a new qcow2 overlay next to it (`<disk>.<snapshot>.qcow2`)
  and the old file freezes; atomic over all disks, no pause, quiesced through the guest agent
  when asked and the VM has an agent channel. libvirt 9.0 cannot revert to it.

The decision reads the live XML (loader type, disk formats), never our own generation field:
an adopted or hand-edited VM is judged by what it really is.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from components.spec.snapshot import SnapshotDisk, SnapshotSpec
from components.spec.snapshot_policy import SnapshotMode, SnapshotPolicySettings

SnapshotKindName = Literal["internal", "external"]
GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0"
VolumeResolver = Callable[[str, str], str]
"""(pool, volume) → the volume's path on the host."""


class SnapshotRefusedError(RuntimeError):
    """This VM cannot get the snapshot asked for; the message says why and what would work."""


@dataclass(frozen=True)
class DiskFacts:
    """What matters about one disk for snapshots."""

    target: str
    device: str
    format: str | None
    source_type: str
    path: str | None
    readonly: bool

    @property
    def snapshotted(self) -> bool:
        """CD-ROMs and read-only disks never change: they are left out of snapshots."""
        return self.device == "disk" and not self.readonly


@dataclass(frozen=True)
class DomainFacts:
    """What matters about a domain for snapshots, read from its XML."""

    name: str
    active: bool
    pflash: bool
    has_agent: bool
    disks: tuple[DiskFacts, ...]

    def internal_blockers(self) -> list[str]:
        """Why an internal snapshot is impossible (empty: it is possible)."""
        reasons = []
        if self.pflash:
            reasons.append(
                "it boots UEFI firmware from pflash, and libvirt before 10.10 refuses internal "
                "snapshots of pflash VMs"
            )
        for disk in self.disks:
            if not disk.snapshotted:
                continue
            if disk.format != "qcow2":
                shown = disk.format or "of unknown format"
                reasons.append(f"disk {disk.target} is {shown}, not qcow2")
            elif disk.source_type not in ("file", "volume"):
                reasons.append(f"disk {disk.target} is a {disk.source_type} disk, not a file")
        return reasons


def domain_facts(xml: str, active: bool, resolve_volume: VolumeResolver) -> DomainFacts:
    """Read the facts from domain XML (the live XML of a running VM: current disk sources)."""
    root = etree.fromstring(xml.encode())
    disks = []
    for disk in root.findall("devices/disk"):
        source = disk.find("source")
        source_type = disk.get("type", "file")
        path: str | None = None
        if source is not None:
            if source_type == "volume" and source.get("pool") and source.get("volume"):
                path = resolve_volume(str(source.get("pool")), str(source.get("volume")))
            else:
                path = source.get("file") or source.get("dev")
        target, driver = disk.find("target"), disk.find("driver")
        disks.append(
            DiskFacts(
                target=str(target.get("dev")) if target is not None else "?",
                device=disk.get("device", "disk"),
                format=driver.get("type") if driver is not None else None,
                source_type=source_type,
                path=path,
                readonly=disk.find("readonly") is not None,
            )
        )
    loader = root.find("os/loader")
    agent = root.find(f"devices/channel/target[@name='{GUEST_AGENT_CHANNEL}']")
    return DomainFacts(
        name=str(root.findtext("name")),
        active=active,
        pflash=(loader is not None and loader.get("type") == "pflash")
        or root.find("os[@firmware='efi']") is not None,
        has_agent=agent is not None,
        disks=tuple(disks),
    )


@dataclass(frozen=True)
class SnapshotOptions:
    """How a snapshot is to be taken: the policy's (or a declared snapshot's) settings."""

    mode: SnapshotMode = "auto"
    include_memory: bool = False
    quiesce: bool = False

    @classmethod
    def of(cls, settings: SnapshotPolicySettings) -> SnapshotOptions:
        return cls(settings.mode, settings.include_memory, settings.quiesce)


@dataclass(frozen=True)
class SnapshotPlan:
    """The snapshot to ask libvirt for, and what the user should know about it."""

    kind: SnapshotKindName
    memory: bool
    quiesce: bool
    spec: SnapshotSpec
    notes: tuple[str, ...] = field(default=())


def overlay_path(disk_path: str, snapshot: str) -> str:
    """Where an external snapshot's overlay for a disk goes: beside the disk's first file."""
    directory, base = posixpath.split(disk_path)
    stem = base.split(".", 1)[0] or base
    return posixpath.join(directory, f"{stem}.{snapshot}.qcow2")


def plan_snapshot(
    facts: DomainFacts, name: str, description: str, options: SnapshotOptions
) -> SnapshotPlan:
    """Choose the kind and build the `<domainsnapshot>`; raise SnapshotRefusedError if none fits."""
    blockers = facts.internal_blockers()
    if options.mode == "internal" and blockers:
        raise SnapshotRefusedError(
            f"domain {facts.name}: no internal snapshot possible: {'; '.join(blockers)}. "
            "Use snapshot mode auto or disk-only (external snapshots)"
        )
    internal = options.mode == "internal" or (options.mode == "auto" and not blockers)
    if internal:
        return _internal(facts, name, description, options)
    return _external(facts, name, description, options, blockers)


def _internal(
    facts: DomainFacts, name: str, description: str, options: SnapshotOptions
) -> SnapshotPlan:
    notes = []
    if facts.active and not options.include_memory:
        notes.append(
            "memory included: libvirt 9.0 takes an internal snapshot of a running VM only with "
            "its memory (use mode disk-only to avoid that)"
        )
    if options.quiesce and facts.active:
        notes.append("not quiesced: the memory state makes the snapshot consistent")
    disks = [
        SnapshotDisk(name=d.target, snapshot="internal" if d.snapshotted else "no")
        for d in facts.disks
    ]
    spec = SnapshotSpec(
        name=name,
        description=description,
        memory="internal" if facts.active else "no",
        disks=disks,
    )
    return SnapshotPlan("internal", facts.active, False, spec, tuple(notes))


def _external(
    facts: DomainFacts,
    name: str,
    description: str,
    options: SnapshotOptions,
    blockers: list[str],
) -> SnapshotPlan:
    notes = []
    if options.mode == "auto" and blockers:
        notes.append(f"external disk-only: {'; '.join(blockers)}")
    if options.include_memory and facts.active:
        notes.append("memory not included: external snapshots are disk-only here")
    quiesce = options.quiesce and facts.active and facts.has_agent
    if options.quiesce and facts.active and not facts.has_agent:
        notes.append("not quiesced: the VM has no guest agent channel")
    disks = []
    for disk in facts.disks:
        if not disk.snapshotted:
            disks.append(SnapshotDisk(name=disk.target, snapshot="no"))
            continue
        if disk.path is None or disk.source_type not in ("file", "volume", "block"):
            raise SnapshotRefusedError(
                f"domain {facts.name}: disk {disk.target} ({disk.source_type}) has no local path "
                "for an external snapshot overlay"
            )
        disks.append(
            SnapshotDisk(
                name=disk.target,
                snapshot="external",
                type="file",
                driver_type="qcow2",
                source_file=overlay_path(disk.path, name),
            )
        )
    if not any(d.snapshot == "external" for d in disks):
        raise SnapshotRefusedError(f"domain {facts.name} has no writable disk to snapshot")
    spec = SnapshotSpec(name=name, description=description, memory="no", disks=disks)
    return SnapshotPlan("external", False, quiesce, spec, tuple(notes))
