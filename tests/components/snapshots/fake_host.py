"""An in-memory SnapshotHost for runner tests: snapshots are records, time is simulated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from components.providers.snapshots.hosts import GovernedVm
from components.providers.snapshots.kinds import SnapshotPlan
from components.providers.snapshots.operations import SnapshotInfo, TakenSnapshot
from components.spec.snapshot import SnapshotSpec, SnapshotTag
from components.spec.snapshot_policy import SnapshotPolicySpec


@dataclass
class FakeHost:
    """Governed VMs with their snapshots; `fail_on` makes one VM's snapshots fail."""

    uri: str
    vms: list[GovernedVm] = field(default_factory=list)
    snaps: dict[str, list[SnapshotInfo]] = field(default_factory=dict)
    fail_on: set[str] = field(default_factory=set)
    unreachable: bool = False
    calls: list[tuple[str, str, str]] = field(default_factory=list)

    def add_vm(self, domain: str, policy: SnapshotPolicySpec) -> GovernedVm:
        vm = GovernedVm(domain, policy, None)
        self.vms.append(vm)
        self.snaps.setdefault(domain, [])
        return vm

    def add_snapshot(self, domain: str, name: str, tag: SnapshotTag | None, when: datetime) -> None:
        description = tag.describe() if tag is not None else "taken by hand"
        spec = SnapshotSpec(name=name, description=description, creation_time=int(when.timestamp()))
        self.snaps[domain].append(SnapshotInfo(domain, spec))

    def names(self, domain: str) -> list[str]:
        return [s.name for s in self.snaps[domain]]

    # ---- SnapshotHost -----------------------------------------------------------------
    def governed(self) -> list[GovernedVm]:
        if self.unreachable:
            raise RuntimeError(f"cannot connect to libvirt at {self.uri!r}")
        return list(self.vms)

    def snapshots(self, domain: str) -> list[SnapshotInfo]:
        return list(self.snaps[domain])

    def take(self, vm: GovernedVm, name: str, tag: SnapshotTag) -> TakenSnapshot:
        if vm.domain in self.fail_on:
            raise RuntimeError(f"domain {vm.domain}: disk full")
        if name in self.names(vm.domain):
            raise RuntimeError(f"snapshot {name} already exists")
        self.calls.append(("take", vm.domain, name))
        self.add_snapshot(vm.domain, name, tag, tag.taken)
        spec = self.snaps[vm.domain][-1].spec
        return TakenSnapshot(
            self.snaps[vm.domain][-1], SnapshotPlan("internal", False, False, spec)
        )

    def delete(self, domain: str, name: str) -> None:
        self.calls.append(("delete", domain, name))
        self.snaps[domain] = [s for s in self.snaps[domain] if s.name != name]
