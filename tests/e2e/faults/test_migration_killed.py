"""libvirtd killed while a VM migrates (destination before the move, source during it):
after the restart the first rerun completes the move, and the VM runs on exactly one host."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.faults.estate import real_drift, rerun
from tests.e2e.faults.injection import arm
from tests.e2e.test_migration import _domain, mover_stack  # noqa: F401 - the fixture
from tests.harness import Harness
from tests.lab.guest import wait_for_marker
from tests.lab.hosts import LabHost


def _moved_once(harness: Harness, hosts: tuple[LabHost, LabHost], vm: str, scenario: str) -> None:
    a, b = hosts
    rerun(harness, scenario)
    again = harness.up()
    assert again.changed() == {}, again.changed()
    drift = harness.refresh()
    assert real_drift(drift) == {} and not drift.vanished, drift.drift
    on_b = _domain(b.uri, vm)
    assert on_b is not None and on_b.isActive(), "running on the destination"
    assert _domain(a.uri, vm) is None, "no copy left on the source"


@pytest.mark.parametrize(
    ("killed", "delay"), [("destination", 0.0), ("source", 0.1)], ids=["destination", "source"]
)
def test_libvirtd_killed_mid_migration(
    mover_stack: Any,  # noqa: F811 - the fixture imported above
    lab_host_pair: tuple[LabHost, LabHost],
    name_prefix: str,
    lab_scratch: Path,
    monkeypatch: pytest.MonkeyPatch,
    killed: str,
    delay: float,
) -> None:
    a, b = lab_host_pair
    vm = f"{name_prefix}mig-mover"
    harness = mover_stack("shared")
    wait_for_marker(a.serial_log_path(vm), "tick 2")
    victim = b if killed == "destination" else a
    fired = arm(
        monkeypatch,
        "libvirt:virDomain.migrateToURI3",
        victim,
        lab_scratch,
        when="during" if delay else "before",
        delay=delay,
    )
    harness.config["vms"][0]["host"] = b.name
    try:
        harness.up()
        first_failed = False
    except Exception:
        first_failed = True
    finally:
        deadline = time.monotonic() + 5
        while not (victim.directory and (victim.directory / "libvirtd.hold").exists()):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        victim.restart_libvirtd()
    assert fired.exists(), "the fault struck"
    if killed == "destination":
        assert first_failed, "the move cannot succeed without the destination"
    monkeypatch.undo()
    _moved_once(harness, lab_host_pair, vm, f"libvirtd killed mid-migration ({killed})")
