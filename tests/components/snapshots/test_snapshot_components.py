"""SnapshotPolicy and Snapshot under mocks: what reaches the domain and snapshot resources,
and the validation at construction."""

from __future__ import annotations

import pytest

from components.snapshots.policy import SnapshotPolicy
from components.snapshots.snapshot import Snapshot
from tests.components.mocks import run_program
from tests.components.test_components import _estate


def test_policy_goes_into_the_governed_domain():
    def program() -> None:
        nightly = SnapshotPolicy(
            "nightly",
            schedule="daily at 02:00",
            keep_last=3,
            keep_daily=7,
            keep_weekly=4,
            keep_monthly=6,
            before_change=True,
            include_memory=False,
        )
        vm = _estate(snapshot_policy=nightly, delete_snapshots=True)
        Snapshot("before-upgrade", vm=vm)

    mocks = run_program(program)
    domain = mocks.named("kvm:Domain", "web-1").inputs
    assert domain["snapshotPolicy"] == {
        "name": "nightly",
        "schedule": "daily at 02:00",
        "keepLast": 3,
        "keepHourly": 0,
        "keepDaily": 7,
        "keepWeekly": 4,
        "keepMonthly": 6,
        "beforeChange": True,
        "includeMemory": False,
        "quiesce": False,
        "mode": "auto",
    }
    assert domain["deleteSnapshots"] is True
    snapshot = mocks.named("kvm:Snapshot", "before-upgrade").inputs
    assert {k: snapshot[k] for k in ("connectionUri", "domain", "name", "mode")} == {
        "connectionUri": "qemu+ssh://admin@hv1/system",
        "domain": "dev-web-1",
        "name": "before-upgrade",
        "mode": "auto",
    }


def test_an_ungoverned_vm_has_no_policy_inputs():
    mocks = run_program(_estate)
    domain = mocks.named("kvm:Domain", "web-1").inputs
    assert "snapshotPolicy" not in domain and "deleteSnapshots" not in domain


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"schedule": "nightly", "keep_last": 1}, "SnapshotPolicy 'p': schedule: unknown"),
        ({"schedule": "hourly"}, "every keep\\* setting 0"),
        ({"include_memory": True, "mode": "disk-only"}, "a disk-only snapshot has no memory"),
    ],
)
def test_policy_refuses_bad_settings(settings: dict[str, object], expected: str):
    with pytest.raises(ValueError, match=expected):
        run_program(lambda: SnapshotPolicy("p", **settings))


def test_snapshot_refuses_a_bad_name():
    with pytest.raises(ValueError, match=r"Snapshot 'x': name: .*snapshot name 'bad/name'"):
        run_program(lambda: Snapshot("x", vm=_estate(), snapshot_name="bad/name"))
