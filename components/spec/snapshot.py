"""A libvirt domain snapshot as a typed spec, its XML, and the tag saying who made it.

libvirt's `<domainsnapshot>` has no `<metadata>`; its `<description>` is where we say that a
snapshot is ours and why it was taken, in one machine-readable line:

    kvm-pulumi kind=scheduled policy=nightly taken=2024-05-01T02:00:04+00:00

Pruning touches only snapshots whose tag says a policy made them (`scheduled`, `pre-change`);
`declared` snapshots (Snapshot resources) and snapshots without our tag (made by hand in
virsh, or by other tools) are never pruned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from components.spec.snapshot_policy import SnapshotMode
from components.spec.xmlbind import X, XmlModel

TAG_WORD = "kvm-pulumi"
MemoryMode = Literal["no", "internal", "external"]
SnapshotKind = Literal["scheduled", "pre-change", "declared"]
PRUNABLE_KINDS: tuple[SnapshotKind, ...] = ("scheduled", "pre-change")
"""Kinds a policy made, and so may prune."""
_KINDS: tuple[SnapshotKind, ...] = ("scheduled", "pre-change", "declared")
_SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")


def check_snapshot_name(name: str) -> str:
    """Snapshot names become file names (external overlays): keep them portable."""
    if not _SNAPSHOT_NAME.fullmatch(name):
        raise ValueError(
            f"snapshot name {name!r} must be 1-64 letters, digits or _ . + - (starting with a "
            "letter or digit)"
        )
    return name


@dataclass(frozen=True)
class SnapshotTag:
    """Who made a snapshot and when: the first line of its `<description>`."""

    kind: SnapshotKind
    taken: datetime
    policy: str | None = None

    def describe(self) -> str:
        words = [TAG_WORD, f"kind={self.kind}"]
        if self.policy is not None:
            words.append(f"policy={self.policy}")
        words.append(f"taken={self.taken.isoformat()}")
        return " ".join(words)

    @classmethod
    def parse(cls, description: str | None) -> SnapshotTag | None:
        """The tag in `description`, or None when the snapshot is not ours (or the tag is bad)."""
        if not description:
            return None
        words = description.strip().splitlines()[0].split()
        if not words or words[0] != TAG_WORD:
            return None
        fields = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        kind, taken = fields.get("kind"), fields.get("taken")
        if kind not in _KINDS or taken is None:
            return None
        try:
            when = datetime.fromisoformat(taken)
        except ValueError:
            return None
        if when.tzinfo is None:
            return None
        return cls(kind, when, fields.get("policy"))

    @property
    def prunable(self) -> bool:
        return self.kind in PRUNABLE_KINDS


class SnapshotDisk(XmlModel):
    """One disk in a snapshot: kept inside the qcow2 (internal), in a new overlay file
    (external), or not snapshotted (no)."""

    name: Annotated[str, X("@name")]
    snapshot: Annotated[Literal["internal", "external", "no", "manual"] | None, X("@snapshot")]
    type: Annotated[Literal["file", "block", "volume", "network"] | None, X("@type")] = None
    driver_type: Annotated[str | None, X("driver/@type")] = None
    source_file: Annotated[str | None, X("source/@file")] = None


class SnapshotSpec(XmlModel):
    """`<domainsnapshot>`: what we ask libvirt for, and what it reports back.

    `state`, `creation_time` and `parent` are libvirt's (read back); the rest is ours.
    """

    xml_tag = "domainsnapshot"

    name: Annotated[str, X("name")]
    description: Annotated[str | None, X("description")] = None
    state: Annotated[str | None, X("state")] = None
    creation_time: Annotated[int | None, X("creationTime")] = None
    parent: Annotated[str | None, X("parent/name")] = None
    memory: Annotated[MemoryMode | None, X("memory/@snapshot")] = None
    memory_file: Annotated[str | None, X("memory/@file")] = None
    disks: Annotated[list[SnapshotDisk], X("disks/disk")] = Field(default_factory=list)

    @property
    def tag(self) -> SnapshotTag | None:
        return SnapshotTag.parse(self.description)

    def is_external(self) -> bool:
        """Any disk in an overlay file (libvirt 9.0 cannot revert to such a snapshot)."""
        return any(d.snapshot == "external" for d in self.disks) or self.memory == "external"

    def has_memory(self) -> bool:
        """The snapshot holds the running VM's memory: a revert resumes the VM."""
        return self.memory in ("internal", "external")

    def overlay_files(self) -> dict[str, str]:
        """Disk target → the overlay file this (external) snapshot made for it."""
        return {
            d.name: d.source_file
            for d in self.disks
            if d.snapshot == "external" and d.source_file is not None
        }


class SnapshotResourceSpec(XmlModel):
    """A declared snapshot (a `Snapshot` resource): which domain, its name and how to take it.

    Not XML itself: the `<domainsnapshot>` is planned at create time from the live domain.
    """

    domain: str
    name: Annotated[str, AfterValidator(check_snapshot_name)]
    mode: SnapshotMode = "auto"
    include_memory: bool = False
    quiesce: bool = False

    @model_validator(mode="after")
    def _memory_needs_memory(self) -> SnapshotResourceSpec:
        if self.include_memory and self.mode == "disk-only":
            raise ValueError("includeMemory: a disk-only snapshot has no memory state")
        return self
