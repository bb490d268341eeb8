"""The scheduled job: for every governed VM on every host, take the due snapshot, then prune.

Meant for cron or a systemd timer (`python -m components.snapshots run --stack prod`), run as
often as the finest schedule (e.g. every 15 minutes): each run takes at most one snapshot per
VM — for the schedule's latest slot, if no scheduled snapshot was taken since — so running it
twice in one period does nothing the second time, and a runner that was down catches up once.
Scheduled snapshots are named `<policy>-<slot YYYYmmdd-HHMM>`.

Pruning (see `retention`) looks only at snapshots whose tag says a policy made them
(scheduled and pre-change); a VM whose snapshot failed is not pruned in that run. A host or VM
that fails is reported and the others still run; the exit code says whether all went well.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from components.providers.progress import Reporter, reporter
from components.providers.snapshots.hosts import GovernedVm, SnapshotHost
from components.providers.snapshots.operations import SnapshotInfo
from components.providers.snapshots.pruning import (
    RUN_ERRORS,
    Candidate,
    local,
    local_clock,
    prunable,
)
from components.spec.snapshot import SnapshotTag

Clock = Callable[[], datetime]
Output = Callable[[str], None]


def scheduled_name(policy: str, slot: datetime) -> str:
    return f"{policy}-{slot:%Y%m%d-%H%M}"


@dataclass(frozen=True)
class VmPlan:
    """What one run does to one VM."""

    create: str | None
    slot: datetime | None
    delete: tuple[str, ...]


def plan_vm(
    vm: GovernedVm, snapshots: Sequence[SnapshotInfo], now: datetime, tz: tzinfo | None
) -> VmPlan:
    """The snapshot due now (if any) and the snapshots the retention rule then removes."""
    schedule = vm.policy.parsed_schedule()
    create: str | None = None
    slot: datetime | None = None
    if schedule is not None:
        slot = schedule.last_slot(local(now, tz))
        name = scheduled_name(vm.policy.name, slot)
        done = any(
            s.name == name or (s.tag is not None and s.tag.kind == "scheduled" and s.taken >= slot)
            for s in snapshots
        )
        create = None if done else name
    adding = Candidate(create, local(now, tz)) if create is not None else None
    return VmPlan(create, slot, tuple(prunable(vm.policy, snapshots, tz, adding)))


@dataclass
class RunReport:
    """What a run did (or, dry, would do) and what failed."""

    created: list[tuple[str, str, str]] = field(default_factory=list)
    deleted: list[tuple[str, str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    vms: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


class Runner:
    """One run over some hosts, with a clock (tests inject a simulated one); each host's
    VMs done so far (n of N) go to `progress` (default: the process's reporter)."""

    def __init__(
        self,
        hosts: Sequence[SnapshotHost],
        *,
        clock: Clock = local_clock,
        tz: tzinfo | None = None,
        dry_run: bool = False,
        out: Output = print,
        err: Output = print,
        progress: Reporter | None = None,
    ) -> None:
        self.hosts = hosts
        self.progress = progress or reporter()
        self.clock = clock
        self.tz = tz
        self.dry_run = dry_run
        self.out = out
        self.err = err

    def run(self) -> RunReport:
        report = RunReport()
        now = self.clock()
        for host in self.hosts:
            try:
                vms = host.governed()
            except RUN_ERRORS as error:
                self._fail(report, f"{host.uri}: cannot list the governed VMs: {error}")
                continue
            with self.progress.start(f"snapshots on {host.uri}", len(vms), "VMs") as shown:
                for vm in vms:
                    report.vms += 1
                    try:
                        self._run_vm(host, vm, now, report)
                    except RUN_ERRORS as error:
                        self._fail(report, f"{host.uri} {vm.domain}: {error}")
                    shown.update(advance=1)
        verb = "would be" if self.dry_run else "were"
        self.out(
            f"snapshot run at {now.isoformat(timespec='seconds')}: {report.vms} governed VMs on "
            f"{len(self.hosts)} hosts; {len(report.created)} snapshots {verb} taken, "
            f"{len(report.deleted)} {verb} pruned, {len(report.failures)} failures"
        )
        return report

    def _run_vm(self, host: SnapshotHost, vm: GovernedVm, now: datetime, report: RunReport) -> None:
        where = f"{host.uri} {vm.domain}"
        plan = plan_vm(vm, host.snapshots(vm.domain), now, self.tz)
        if plan.create is not None:
            if self.dry_run:
                self.out(f"{where}: would create {plan.create}")
            else:
                tag = SnapshotTag("scheduled", now, vm.policy.name)
                taken = host.take(vm, plan.create, tag)
                notes = "".join(f"; {n}" for n in taken.plan.notes)
                memory = "with memory" if taken.plan.memory else "disk only"
                self.out(f"{where}: created {plan.create} ({taken.plan.kind}, {memory}{notes})")
            report.created.append((host.uri, vm.domain, plan.create))
        elif plan.slot is not None:
            self.out(f"{where}: nothing due (slot {plan.slot:%Y-%m-%d %H:%M} already taken)")
        for name in plan.delete:
            if self.dry_run:
                self.out(f"{where}: would delete {name} (retention)")
            else:
                host.delete(vm.domain, name)
                self.out(f"{where}: deleted {name} (retention)")
            report.deleted.append((host.uri, vm.domain, name))

    def _fail(self, report: RunReport, message: str) -> None:
        report.failures.append(message)
        self.err(f"FAILED {message}")
