"""The runner over 90 simulated days (no sleeping): exact survivors, idempotent reruns,
manual and declared snapshots never pruned, failures reported while the rest still runs."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from components.providers.progress import PlainReporter, QuietReporter
from components.snapshots.runner import Runner
from components.spec.snapshot import SnapshotTag
from components.spec.snapshot_policy import SnapshotPolicySpec
from tests.components.snapshots.fake_host import FakeHost

NIGHTLY = SnapshotPolicySpec(
    name="nightly",
    schedule="daily at 02:00",
    keep_last=3,
    keep_daily=7,
    keep_weekly=4,
    keep_monthly=6,
    before_change=True,
)
START = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)  # a Monday


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def runner(hosts: list[FakeHost], clock: Clock, lines: list[str], dry_run: bool = False) -> Runner:
    return Runner(
        hosts,
        clock=clock,
        tz=UTC,
        dry_run=dry_run,
        out=lines.append,
        err=lines.append,
        progress=QuietReporter(),
    )


def test_ninety_days_hourly_runs_leave_exactly_the_retained_snapshots():
    host = FakeHost("qemu+ssh://hv1/system")
    host.add_vm("prod-db-1", NIGHTLY)
    host.add_snapshot("prod-db-1", "before-migration", None, START + timedelta(days=3))
    declared = SnapshotTag("declared", START + timedelta(days=4))
    host.add_snapshot("prod-db-1", "golden", declared, START + timedelta(days=4))
    clock = Clock(START)
    lines: list[str] = []
    for _hour in range(90 * 24):  # 2024-01-01 00:00 … 2024-03-30 23:00
        report = runner([host], clock, lines).run()
        assert report.exit_code == 0
        clock.now += timedelta(hours=1)
    survivors = [n for n in host.names("prod-db-1") if n.startswith("nightly-")]
    expected_days = [
        # keep-monthly, January (Feb and Mar are covered by earlier options): not Jan 31 —
        # while ISO week 5 (Jan 29 - Feb 4) was a kept week, its newest day (Feb 4) stood for
        # it and Jan 29-31 were pruned; so January's newest survivor is Sunday Jan 28.
        "20240128",
        "20240225",  # keep-weekly: ISO weeks 8, 9, 10, 11 (12 and 13 covered)
        "20240303",
        "20240310",
        "20240317",
        *(f"202403{d}" for d in range(21, 28)),  # keep-daily: 7 days before the last 3
        "20240328",  # keep-last 3
        "20240329",
        "20240330",
    ]
    assert sorted(survivors) == [f"nightly-{d}-0200" for d in expected_days]
    assert "before-migration" in host.names("prod-db-1"), "a manual snapshot was pruned"
    assert "golden" in host.names("prod-db-1"), "a declared snapshot was pruned"
    takes = [c for c in host.calls if c[0] == "take"]
    # One per day, no more; the very first run (Jan 1, 00:00) catches up the Dec 31 slot.
    assert len(takes) == 91
    assert takes[0] == ("take", "prod-db-1", "nightly-20231231-0200")


def test_second_run_in_the_same_period_does_nothing():
    host = FakeHost("qemu:///system")
    host.add_vm("dev-web-1", NIGHTLY)
    clock = Clock(datetime(2024, 5, 1, 2, 5, tzinfo=UTC))
    lines: list[str] = []
    first = runner([host], clock, lines).run()
    assert first.created == [("qemu:///system", "dev-web-1", "nightly-20240501-0200")]
    clock.now = datetime(2024, 5, 2, 1, 59, tzinfo=UTC)  # still the same period
    calls = len(host.calls)
    second = runner([host], clock, lines).run()
    assert second.created == [] and second.deleted == []
    assert len(host.calls) == calls
    assert any("nothing due" in line for line in lines)


def test_a_missed_slot_is_caught_up_once():
    host = FakeHost("qemu:///system")
    host.add_vm("vm", NIGHTLY)
    clock = Clock(datetime(2024, 5, 5, 9, 0, tzinfo=UTC))  # runner was down for days
    assert runner([host], clock, []).run().created == [
        ("qemu:///system", "vm", "nightly-20240505-0200")
    ]
    assert runner([host], clock, []).run().created == []


def test_pre_change_snapshots_count_in_retention():
    host = FakeHost("qemu:///system")
    policy = SnapshotPolicySpec(name="p", schedule="daily at 02:00", keep_last=2)
    host.add_vm("vm", policy)
    base = datetime(2024, 5, 1, tzinfo=UTC)
    for hour in (1, 2, 3):
        tag = SnapshotTag("pre-change", base + timedelta(hours=hour), "p")
        host.add_snapshot("vm", f"pre-change-{hour}", tag, tag.taken)
    report = runner([host], Clock(base + timedelta(hours=4)), []).run()
    assert report.created == [("qemu:///system", "vm", "p-20240501-0200")]
    assert sorted(host.names("vm")) == ["p-20240501-0200", "pre-change-3"]


def test_dry_run_prints_and_changes_nothing():
    host = FakeHost("qemu:///system")
    policy = SnapshotPolicySpec(name="p", schedule="hourly", keep_last=1)
    host.add_vm("vm", policy)
    old = SnapshotTag("scheduled", datetime(2024, 5, 1, 1, tzinfo=UTC), "p")
    host.add_snapshot("vm", "p-20240501-0100", old, old.taken)
    lines: list[str] = []
    report = runner([host], Clock(datetime(2024, 5, 1, 2, 30, tzinfo=UTC)), lines, True).run()
    assert host.calls == []
    assert "qemu:///system vm: would create p-20240501-0200" in lines
    assert "qemu:///system vm: would delete p-20240501-0100 (retention)" in lines
    assert report.created and report.deleted


def test_a_failing_vm_and_an_unreachable_host_do_not_stop_the_others():
    down = FakeHost("qemu+ssh://down/system", unreachable=True)
    host = FakeHost("qemu+ssh://hv1/system")
    host.add_vm("broken", NIGHTLY)
    host.add_vm("fine", NIGHTLY)
    host.fail_on.add("broken")
    old = SnapshotTag("scheduled", datetime(2024, 4, 1, 2, tzinfo=UTC), "nightly")
    host.add_snapshot("broken", "nightly-20240401-0200", old, old.taken)
    lines: list[str] = []
    report = runner([down, host], Clock(datetime(2024, 5, 1, 3, tzinfo=UTC)), lines).run()
    assert report.exit_code == 1
    assert report.created == [("qemu+ssh://hv1/system", "fine", "nightly-20240501-0200")]
    assert any(line.startswith("FAILED qemu+ssh://down/system: cannot list") for line in lines)
    assert "FAILED qemu+ssh://hv1/system broken: domain broken: disk full" in lines
    assert host.names("broken") == ["nightly-20240401-0200"], "pruned after a failed snapshot"


def test_progress_counts_vms_per_host():
    hosts = [FakeHost("qemu+ssh://hv1/system"), FakeHost("qemu+ssh://hv2/system")]
    for number in range(3):
        hosts[0].add_vm(f"prod-web-{number}", NIGHTLY)
    hosts[1].add_vm("prod-db-1", NIGHTLY)
    shown = io.StringIO()
    lines: list[str] = []
    Runner(
        hosts,
        clock=Clock(START + timedelta(hours=3)),
        tz=UTC,
        out=lines.append,
        err=lines.append,
        progress=PlainReporter(shown, interval=0),
    ).run()
    progress = [line.split(", done in")[0] for line in shown.getvalue().splitlines()]
    assert progress == [
        "snapshots on qemu+ssh://hv1/system: 0 of 3 VMs (0%)",
        "snapshots on qemu+ssh://hv1/system: 1 of 3 VMs (33%)",
        "snapshots on qemu+ssh://hv1/system: 2 of 3 VMs (66%)",
        "snapshots on qemu+ssh://hv1/system: 3 of 3 VMs (100%)",
        "snapshots on qemu+ssh://hv1/system: 3 of 3 VMs (100%)",
        "snapshots on qemu+ssh://hv2/system: 0 of 1 VMs (0%)",
        "snapshots on qemu+ssh://hv2/system: 1 of 1 VMs (100%)",
        "snapshots on qemu+ssh://hv2/system: 1 of 1 VMs (100%)",
    ]
