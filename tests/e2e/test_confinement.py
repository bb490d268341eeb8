"""Confinement after external snapshots, with a cloud-init seed: the VM that restarts on its
snapshot overlay must get a profile granting the overlay (read-write), the root disk and
the template's base image behind it (read-only), and the seed ISO.

Every e2e test's domain starts are checked by `conftest.confinement_checked`; this test
makes sure the check saw the cases that matter (overlay, backing chain, seed) and that the
hook recorded them at all.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from components.providers.snapshots.operations import list_snapshots
from tests.e2e.test_snapshot_policy_stack import _guarded_config
from tests.harness import Harness
from tests.lab.confinement import needed_files, problems, read_record, record_names
from tests.lab.guest import TinyGuest, wait_for_marker
from tests.lab.hosts import LabHost


@pytest.fixture
def overlay_stack(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> Iterator[Harness]:
    config = _guarded_config(lab_host, lab_scratch, tiny_guest)
    config["snapshotPolicies"]["guard"]["mode"] = "disk-only"  # external: overlays
    config["vms"][0]["cloudInit"] = {"packages": ["nginx"]}
    harness = Harness(
        Path(__file__).resolve().parents[2] / "__main__.py",
        "kvm-estate",
        f"{name_prefix}aa",
        lab_scratch / "state.json",
        config=copy.deepcopy(config),
    )
    try:
        yield harness
    finally:
        if harness.state.resources():
            harness.config["vms"][0]["deleteSnapshots"] = True
            harness.up()
            harness.destroy()


def test_a_vm_restarted_on_its_snapshot_overlay_is_granted_the_whole_chain(
    overlay_stack: Harness, lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    name = f"{name_prefix}aa-web-1"
    overlay_stack.up()
    wait_for_marker(lab_host.serial_log_path(name), "KVM-PULUMI-BOOT-OK web-1")
    before = record_names(lab_host)
    overlay_stack.config["vms"][0]["cmdline"] = tiny_guest.cmdline("web-1-v2", mode="loop")
    overlay_stack.up()  # pre-change external snapshot, then the restart onto the overlay
    wait_for_marker(lab_host.serial_log_path(name), "KVM-PULUMI-BOOT-OK web-1-v2")

    conn = libvirt.open(lab_host.uri)
    try:
        (snapshot,) = list_snapshots(conn.lookupByName(name))
    finally:
        conn.close()
    assert snapshot.kind == "external"
    (started,) = [
        read_record(lab_host, n)
        for n in record_names(lab_host) - before
        if n.startswith(f"{name}.")
    ]
    disks = [f for f in needed_files(started.xml) if f.why.startswith("disk ")]
    (overlay,) = [f for f in disks if f".{snapshot.name}." in f.path]
    assert overlay.access == "rw", "the VM runs on its overlay"
    target = overlay.why.split()[1]
    chain = [f.path for f in disks if f.why.startswith(f"disk {target} backing")]
    assert chain[0].endswith(f"{name}-root.qcow2"), chain
    assert len(chain) == 2, f"the template's base image behind the root disk: {chain}"
    assert any(f.path.endswith("-cidata.iso") for f in disks), disks
    assert problems(started) == []
