"""Many VMs in one `up` through the parallel harness: 2 lab hosts x 10 VMs, 0 failures."""

from __future__ import annotations

from pathlib import Path

import libvirt

from tests.components.mocks import REPO
from tests.e2e.fleet import fleet_config, vm_name
from tests.harness import Harness
from tests.lab.base_image import make_base_image
from tests.lab.guest import TinyGuest, wait_for_marker
from tests.lab.hosts import LabHost


def test_one_up_of_two_hosts_with_ten_vms_each(
    lab_host_pair: tuple[LabHost, LabHost],
    lab_scratch: Path,
    tiny_guest: TinyGuest,
    name_prefix: str,
):
    image = make_base_image(lab_scratch / "base.qcow2", size_mib=32)
    config = fleet_config(lab_host_pair, image, tiny_guest, name_prefix, per_host=10)
    stack = f"{name_prefix}fleet"
    harness = Harness(
        REPO / "__main__.py",
        "kvm-estate",
        stack,
        lab_scratch / "state.json",
        config=config,
    )
    try:
        result = harness.up()

        assert set(result.changed().values()) == {"create"}
        for host in lab_host_pair:
            conn = libvirt.open(host.uri)
            try:
                running = {
                    d.name() for d in conn.listAllDomains(0) if d.name().startswith(name_prefix)
                }
                expected = {f"{stack}-{vm_name(host, n)}" for n in range(10)}
                assert running == expected, f"{host.name} runs its ten VMs, only those"
                assert all(conn.lookupByName(n).isActive() for n in expected)
            finally:
                conn.close()
        last = f"{stack}-{vm_name(lab_host_pair[1], 9)}"
        wait_for_marker(
            lab_host_pair[1].serial_log_path(last),
            f"KVM-PULUMI-BOOT-OK {vm_name(lab_host_pair[1], 9)}",
        )
        assert harness.up().changed() == {}, "a rerun finds everything as declared"
    finally:
        harness.destroy()
    assert harness.state.resources() == []
