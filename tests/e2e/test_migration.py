"""Moving VMs between two lab hosts by changing `host` in the stack, through the harness.

Live with shared storage, live with copy storage (each host's own /var/lib/libvirt/images),
offline with the volumes copied, a migration that fails (leaving the VM running where it
was) and is retried, and evacuation of a host put in maintenance. The guest prints a
counter every second: the destination's log going on from the count seen on the source,
with no boot in between, proves the VM moved without a reboot. Nothing of the VM stays on
the source (the lab's leak check looks at files too).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

from tests.components.mocks import REPO
from tests.harness import Harness, HarnessError
from tests.lab.base_image import make_base_image
from tests.lab.guest import BOOT_MARKER, TinyGuest, wait_for_marker
from tests.lab.hosts import Lab, LabHost
from tests.lab.waiting import wait_until

LAB_MIGRATION = {"address": "127.0.0.1", "listenAddress": "127.0.0.1", "timeoutSeconds": 120}


def _config(
    hosts: tuple[LabHost, LabHost],
    pool_path: str,
    image: Path,
    guest: TinyGuest,
    shared: str | None,
    cmdline: str,
    bridge: str,
    **vm: Any,
) -> dict[str, Any]:
    host_entries = {
        h.name: {
            "uri": h.uri,
            "domainType": "qemu",
            **({"sharedStorage": shared} if shared else {}),
        }
        for h in hosts
    }
    return {
        "hosts": host_entries,
        "pools": {"vmstore": {"path": pool_path}},
        # Both lab hosts live in one network namespace, like hosts on one LAN: a bridged
        # network onto one bridge (a per-host subnet would collide there).
        "networks": {"lan": {"kind": "bridged", "bridge": bridge}},
        "templates": {
            "tiny": {
                "image": {"path": str(image)},
                "pool": "vmstore",
                "generation": "gen1",
                "gen1Reason": "tiny test guest",
                "memory": "96MiB",
                "diskSize": "64MiB",
                "kernel": str(guest.kernel),
                "initrd": str(guest.initrd),
            }
        },
        "vms": [
            {
                "name": "mover",
                "template": "tiny",
                "host": hosts[0].name,
                "cmdline": cmdline,
                "shutdownTimeoutSeconds": 3,
                "nics": [{"network": "lan"}],
                "migration": {**LAB_MIGRATION, "unsafe": shared is not None},
                **vm,
            }
        ],
    }


def _ticks(log: Path) -> list[int]:
    return [int(n) for n in re.findall(r"tick (\d+)", log.read_text(errors="replace"))]


@pytest.fixture
def mover_stack(
    lab: Lab,
    lab_host_pair: tuple[LabHost, LabHost],
    tiny_guest: TinyGuest,
    lab_scratch: Path,
    name_prefix: str,
) -> Iterator[Any]:
    """`make(storage, cmdline=None, **vm)`: the one-VM stack on host a, applied, with its
    pool in shared storage (`shared`) or in each host's own images directory (`private`)."""
    made: list[Harness] = []
    bridge = f"{name_prefix}br"
    lab.run_in_netns(["ip", "link", "add", bridge, "type", "bridge"])
    lab.run_in_netns(["ip", "link", "set", bridge, "up"])
    image = make_base_image(lab_scratch / "base.qcow2", size_mib=32)

    def make(storage: str, cmdline: str | None = None, **vm: Any) -> Harness:
        if storage == "shared":
            shared: str | None = str(lab.scratch_dir(f"{name_prefix}shared"))
            pool = f"{shared}/pool"
        else:
            shared, pool = None, f"/var/lib/libvirt/images/{name_prefix}pool"
        config = _config(
            lab_host_pair, pool, image, tiny_guest, shared,
            cmdline or tiny_guest.cmdline("mover", mode="loop"), bridge, **vm,
        )  # fmt: skip
        harness = Harness(
            REPO / "__main__.py", "kvm-estate", f"{name_prefix}mig",
            lab_scratch / "state.json", config=config,
        )  # fmt: skip
        made.append(harness)
        harness.up()
        return harness

    try:
        yield make
    finally:
        for harness in made:
            if harness.state.resources(custom_only=True):
                harness.destroy()
        lab.run_in_netns(["ip", "link", "del", bridge])


def _domain(uri: str, name: str) -> libvirt.virDomain | None:
    conn = libvirt.open(uri)
    try:
        return conn.lookupByName(name)
    except libvirt.libvirtError:
        return None
    finally:
        conn.close()


def _move_live(harness: Harness, hosts: tuple[LabHost, LabHost], vm: str) -> None:
    a, b = hosts
    log_a, log_b = a.serial_log_path(vm), b.serial_log_path(vm)
    wait_until(lambda: len(_ticks(log_a)) >= 3 or None, 120, "ticks on host a")
    seen_on_a = _ticks(log_a)[-1]
    harness.config["vms"][0]["host"] = b.name
    result = harness.up()
    urn = next(u for u in result.steps if u.endswith("kvm:Domain::mover"))
    assert result.steps[urn] == "update", "a host change migrates, it does not replace"
    dom_b = _domain(b.uri, vm)
    assert dom_b is not None and dom_b.isActive(), "running on host b"
    assert _domain(a.uri, vm) is None, "gone from host a"
    assert not log_a.exists(), "host a's console log went with the VM"
    wait_until(lambda: _ticks(log_b) or None, 30, "ticks on host b")
    first_b = _ticks(log_b)[0]
    assert first_b > seen_on_a, f"counter continued ({seen_on_a} → {first_b}): no reboot"
    assert BOOT_MARKER not in log_b.read_text(errors="replace"), "no boot on host b"


def test_live_migration_with_shared_storage(
    mover_stack: Any, lab_host_pair: tuple[LabHost, LabHost], name_prefix: str
):
    _move_live(mover_stack("shared"), lab_host_pair, f"{name_prefix}mig-mover")


def test_live_migration_copying_storage(
    mover_stack: Any, lab_host_pair: tuple[LabHost, LabHost], name_prefix: str
):
    _move_live(mover_stack("private"), lab_host_pair, f"{name_prefix}mig-mover")
    a, _ = lab_host_pair
    leftovers = list((a.images_dir_outside / f"{name_prefix}pool").glob("*root*"))
    assert leftovers == [], "the source's root disk is removed once the VM arrived"


def test_failed_migration_stays_on_the_source_and_a_rerun_completes(
    mover_stack: Any, lab_host_pair: tuple[LabHost, LabHost], name_prefix: str
):
    a, b = lab_host_pair
    vm = f"{name_prefix}mig-mover"
    harness = mover_stack("private")
    wait_for_marker(a.serial_log_path(vm), "tick 2")
    harness.config["vms"][0]["host"] = b.name
    # Migration data sent where the destination does not listen: the move fails midway.
    harness.config["vms"][0]["migration"]["address"] = "127.0.0.2"
    with pytest.raises(HarnessError, match="stays on"):
        harness.up()
    dom = _domain(a.uri, vm)
    assert dom is not None and dom.isActive(), "still running on the source"
    assert _domain(b.uri, vm) is None
    source_disk = a.images_dir_outside / f"{name_prefix}pool" / f"{vm}-root.qcow2"
    assert source_disk.exists(), "nothing lost on the source"
    harness.config["vms"][0]["migration"]["address"] = "127.0.0.1"
    harness.up()
    dom_b = _domain(b.uri, vm)
    assert dom_b is not None and dom_b.isActive()
    assert not source_disk.exists(), "the source disk goes only after the VM arrived"


def test_offline_migration_copies_the_volumes(
    mover_stack: Any,
    lab_host_pair: tuple[LabHost, LabHost],
    tiny_guest: TinyGuest,
    name_prefix: str,
):
    a, b = lab_host_pair
    vm = f"{name_prefix}mig-mover"
    # gen1's root disk is SATA (no driver in the tiny guest); the virtio data disk is the
    # guest's first virtio disk, /dev/vda.
    write = tiny_guest.cmdline("mover", mode="loop", write=("/dev/vda", "MOVED-OFFLINE"))
    harness = mover_stack(
        "private", write, dataDisks=[{"name": "data", "size": "8MiB", "bus": "virtio"}]
    )
    wait_for_marker(a.serial_log_path(vm), "GUEST-WROTE /dev/vda")
    harness.config["vms"][0]["running"] = False
    harness.up()
    harness.config["vms"][0]["host"] = b.name
    harness.up()
    dom_b = _domain(b.uri, vm)
    assert dom_b is not None and not dom_b.isActive(), "defined, stopped, on host b"
    assert _domain(a.uri, vm) is None
    harness.config["vms"][0].update(
        running=True, cmdline=tiny_guest.cmdline("mover", mode="loop", read="/dev/vda")
    )
    harness.up()
    wait_for_marker(b.serial_log_path(vm), "GUEST-READ MOVED-OFFLINE")


def test_evacuating_a_host_in_maintenance(
    mover_stack: Any, lab_host_pair: tuple[LabHost, LabHost], name_prefix: str
):
    a, b = lab_host_pair
    vm = f"{name_prefix}mig-mover"
    harness = mover_stack("shared")
    wait_for_marker(a.serial_log_path(vm), "tick 2")
    harness.config["hosts"][a.name]["maintenance"] = True
    result = harness.up()
    assert any("is in maintenance; placed on" in str(m) for m in result.log)
    dom_b = _domain(b.uri, vm)
    assert dom_b is not None and dom_b.isActive(), "evacuated to the other host"
    assert _domain(a.uri, vm) is None


def test_evacuating_a_host_running_six_vms(
    mover_stack: Any,
    lab_host_pair: tuple[LabHost, LabHost],
    tiny_guest: TinyGuest,
    name_prefix: str,
):
    """Six live migrations in one `up`, run concurrently by the harness as by the engine."""
    a, b = lab_host_pair
    harness = mover_stack("shared")
    first = harness.config["vms"][0]
    for n in range(1, 6):
        name = f"mover{n}"
        harness.config["vms"].append(
            {**copy.deepcopy(first), "name": name, "cmdline": tiny_guest.cmdline(name, mode="loop")}
        )
    harness.up()
    vms = [f"{name_prefix}mig-{vm['name']}" for vm in harness.config["vms"]]
    for vm in vms:
        wait_for_marker(a.serial_log_path(vm), "tick 2")

    seen_on_a = {vm: _ticks(a.serial_log_path(vm))[-1] for vm in vms}
    harness.config["hosts"][a.name]["maintenance"] = True
    result = harness.up()

    moves = [m.message for m in result.log if "is in maintenance; placed on" in m.message]
    assert len(moves) == 6, moves
    domains = {u: op for u, op in result.steps.items() if "kvm:Domain::" in u}
    assert list(domains.values()) == ["update"] * 6, "each host change migrates"
    for vm in vms:
        dom_b = _domain(b.uri, vm)
        assert dom_b is not None and dom_b.isActive(), f"{vm} evacuated to host b"
        assert _domain(a.uri, vm) is None, f"{vm} gone from host a"
        log_b = b.serial_log_path(vm)
        assert not a.serial_log_path(vm).exists(), f"{vm}'s console log left host a with it"
        wait_until(lambda log=log_b: _ticks(log) or None, 30, f"ticks of {vm} on host b")
        first_b = _ticks(log_b)[0]
        assert first_b > seen_on_a[vm], f"{vm} moved live ({seen_on_a[vm]} → {first_b}), no reboot"
        assert BOOT_MARKER not in log_b.read_text(errors="replace"), f"{vm}: no boot on host b"
