"""A snapshot policy as stored in each governed domain's libvirt `<metadata>`.

    <metadata>
      <kvmp:owner project="kvm-estate" stack="prod" name="db-1"/>
      <kvmps:snapshot-policy name="nightly" schedule="daily at 02:00" keep-last="3"
          keep-daily="7" keep-weekly="4" keep-monthly="6" before-change="yes" .../>
    </metadata>

The policy travels with the domain, so the snapshot runner needs nothing but host URIs: every
domain carrying this element is governed. It has a namespace of its own (not the owner's)
because libvirt's `virDomainSetMetadata` replaces the one element of a namespace URI: with a
shared namespace, setting the policy would delete the ownership tag and vice versa.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from components.spec.snapshot_schedule import Schedule, parse_schedule
from components.spec.xmlbind import X, XmlModel, register_namespace

if TYPE_CHECKING:
    from components.spec.domain import Disk

POLICY_NS = "https://kvm-pulumi.dev/xmlns/snapshot-policy/1"
POLICY_PREFIX = "kvmps"
POLICY_TAG = f"{{{POLICY_NS}}}snapshot-policy"
register_namespace(POLICY_NS, POLICY_PREFIX)

SnapshotMode = Literal["auto", "internal", "disk-only"]
"""`auto`: internal where the VM allows it (qcow2 disks, BIOS), else external disk-only;
`internal`: internal only (refused for UEFI/pflash VMs and raw disks); `disk-only`: external
disk-only snapshots (no pause, quiesce possible; libvirt < 9.7 cannot revert to them)."""

KEEP_FIELDS = ("keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly")
_POLICY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,31}")


def _checked_schedule(text: str | None) -> str | None:
    return None if text is None else parse_schedule(text).text


class SnapshotPolicySettings(XmlModel):
    """What a policy asks for; shared by the stack config, the component and the metadata."""

    schedule: Annotated[str | None, X("@schedule"), AfterValidator(_checked_schedule)] = None
    keep_last: Annotated[int, X("@keep-last"), Field(ge=0)] = 0
    keep_hourly: Annotated[int, X("@keep-hourly"), Field(ge=0)] = 0
    keep_daily: Annotated[int, X("@keep-daily"), Field(ge=0)] = 0
    keep_weekly: Annotated[int, X("@keep-weekly"), Field(ge=0)] = 0
    keep_monthly: Annotated[int, X("@keep-monthly"), Field(ge=0)] = 0
    before_change: Annotated[bool, X("@before-change")] = False
    include_memory: Annotated[bool, X("@include-memory")] = False
    quiesce: Annotated[bool, X("@quiesce")] = False
    mode: Annotated[SnapshotMode, X("@mode")] = "auto"

    @model_validator(mode="after")
    def _consistent(self) -> SnapshotPolicySettings:
        if self.schedule is not None and self.keeps_everything():
            raise ValueError(
                f"schedule {self.schedule!r} with every keep* setting 0 would keep "
                "snapshots forever; set keepLast and/or keepHourly/Daily/Weekly/Monthly"
            )
        if self.include_memory and self.mode == "disk-only":
            raise ValueError(
                "includeMemory: a disk-only snapshot has no memory state; use mode auto or "
                "internal, or set includeMemory false"
            )
        return self

    def parsed_schedule(self) -> Schedule | None:
        """The schedule, parsed (None: the policy only takes pre-change snapshots)."""
        return parse_schedule(self.schedule) if self.schedule is not None else None

    def keeps_everything(self) -> bool:
        """No keep* setting: nothing is ever pruned (only allowed without a schedule)."""
        return not any(getattr(self, f) for f in KEEP_FIELDS)


class SnapshotPolicySpec(SnapshotPolicySettings):
    """`<kvmps:snapshot-policy name=… …/>`: the settings plus the policy's name."""

    xml_tag = POLICY_TAG

    name: Annotated[str, X("@name")]

    @model_validator(mode="after")
    def _name(self) -> SnapshotPolicySpec:
        if not _POLICY_NAME.fullmatch(self.name):
            raise ValueError(
                f"snapshot policy name {self.name!r} must be 1-32 letters, digits or _ . + - "
                "(it becomes part of snapshot names)"
            )
        return self


def check_policy_fits_disks(policy: SnapshotPolicySettings, disks: Sequence[Disk]) -> None:
    """Raise when the policy's mode cannot snapshot these disks.

    Internal snapshots live inside qcow2 files: a raw or block-device disk has no room for
    them (auto then uses external snapshots; mode internal cannot).
    """
    if policy.mode != "internal":
        return
    for disk in disks:
        if disk.device == "disk" and not disk.readonly and disk.format != "qcow2":
            raise ValueError(
                f"snapshot policy mode internal cannot snapshot disk {disk.target} "
                f"({disk.format}): internal snapshots need qcow2; use mode auto or disk-only"
            )
