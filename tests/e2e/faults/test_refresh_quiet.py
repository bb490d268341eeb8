"""`pulumi refresh` of an untouched estate reports no drift, and `up` after it changes nothing:
the fault suite's estate (pool, NAT/isolated/routed networks, a gen1 VM with data disk,
cloud-init, snapshot policy and migration settings), every network kind (with a bridged
network and a reference to an existing one), and gen1 + gen2 VMs with TPM and VNC."""

from __future__ import annotations

from pathlib import Path

import libvirt

from tests.e2e.faults.estate import converged, estate_stack, real_drift
from tests.e2e.test_networks import network_stack  # noqa: F401 - the fixture
from tests.e2e.test_vm_lifecycle import PASSWORD, vm_stack  # noqa: F401 - the fixture
from tests.harness import Harness
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def _quiet(stack: Harness) -> None:
    drift = stack.refresh()
    assert real_drift(drift) == {} and not drift.vanished, drift.drift
    assert stack.up().changed() == {}, "up after refresh changes nothing"


def test_refresh_of_an_untouched_estate_is_quiet(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 240) as stack:
        stack.up()
        converged(stack, lab_host, lab_scratch, name_prefix)


def test_refresh_of_every_network_kind_is_quiet(
    network_stack: tuple[Harness, libvirt.virConnect],  # noqa: F811 - the fixture
) -> None:
    stack, _conn = network_stack
    stack.up()
    _quiet(stack)


def test_refresh_of_both_generations_is_quiet(
    vm_stack: Harness,  # noqa: F811 - the fixture
    lab_scratch: Path,
) -> None:
    vm_stack.up()
    _quiet(vm_stack)
    state = (lab_scratch / "state.json").read_text()
    assert PASSWORD not in state, "the console password read back stays sealed in the state"
