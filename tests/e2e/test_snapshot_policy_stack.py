"""The real `__main__.py` with a snapshot policy, applied through the harness to a lab host:
the preview announces the pre-change snapshot, `up` takes it before the restart, and a VM
with snapshots is only deleted once the stack says `deleteSnapshots: true`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest
from lxml import etree

from components.providers.snapshots.operations import list_snapshots
from tests.e2e.test_dev_stack import _dev_config
from tests.harness import Harness, HarnessError
from tests.lab.guest import TinyGuest, wait_for_marker
from tests.lab.hosts import LabHost


def _guarded_config(host: LabHost, scratch: Path, guest: TinyGuest) -> dict[str, Any]:
    config = _dev_config(host, scratch, guest)
    config["networks"] = {"lan": {"subnet": "10.232.9.0/24"}}
    config["templates"]["debian"]["generation"] = "gen1"  # BIOS: the tiny guest boots fast
    web1 = config["vms"][0]
    web1.update(nics=[{"network": "lan"}], snapshotPolicy="guard", restartPolicy="auto")
    config["vms"] = [web1]
    config["snapshotPolicies"] = {"guard": {"beforeChange": True, "keepLast": 5}}
    return config


@pytest.fixture
def guarded_stack(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> Iterator[Harness]:
    config = _guarded_config(lab_host, lab_scratch, tiny_guest)
    harness = Harness(
        Path(__file__).resolve().parents[2] / "__main__.py",
        "kvm-estate",
        f"{name_prefix}dev",
        lab_scratch / "state.json",
        config=copy.deepcopy(config),
    )
    try:
        yield harness
    finally:
        if harness.state.resources():
            # The opt-in, applied before the removal (like unprotecting a resource).
            config["vms"][0]["deleteSnapshots"] = True
            harness.config = config
            harness.up()
            harness.destroy()


def test_pre_change_snapshot_before_a_restart_through_the_harness(
    guarded_stack: Harness,
    lab_host: LabHost,
    tiny_guest: TinyGuest,
    name_prefix: str,
) -> None:
    name = f"{name_prefix}dev-web-1"
    log = lab_host.serial_log_path(name)
    guarded_stack.up()
    wait_for_marker(log, "KVM-PULUMI-BOOT-OK web-1")
    conn = libvirt.open(lab_host.uri)
    try:
        dom = conn.lookupByName(name)
        first_id = dom.ID()
        web1 = dict(guarded_stack.config["vms"][0])
        old_cmdline = web1["cmdline"]
        assert list_snapshots(dom) == []

        new_cmdline = tiny_guest.cmdline("web-1-v2", mode="loop")
        guarded_stack.config["vms"][0]["cmdline"] = new_cmdline
        plan = guarded_stack.preview()
        assert "update" in plan.changed().values()
        # Said by the provider (plugin stderr): the CLI shows it as an info line of the stack.
        announced = [m.message for m in plan.log if not m.urn and m.severity == "info"]
        expected = f"domain {name}: snapshot policy guard takes a pre-change snapshot"
        assert any(expected in line for line in announced), announced
        assert list_snapshots(dom) == [], "a preview takes no snapshot"

        guarded_stack.up()
        (pre,) = list_snapshots(dom)
        assert pre.tag is not None and (pre.tag.kind, pre.tag.policy) == ("pre-change", "guard")
        assert pre.spec.state == "running" and pre.kind == "internal"
        saved = etree.fromstring(dom.snapshotLookupByName(pre.name).getXMLDesc(0).encode())
        assert saved.findtext("domain/os/cmdline") == old_cmdline, "taken before the change"
        dom = conn.lookupByName(name)
        assert dom.ID() != first_id, "the change was applied by a restart"
        wait_for_marker(log, "KVM-PULUMI-BOOT-OK web-1-v2")

        guarded_stack.config["vms"] = []
        with pytest.raises(HarnessError, match="has snapshots"):
            guarded_stack.up()
        assert conn.lookupByName(name).isActive(), "the VM (and its snapshot) were kept"
        assert [s.name for s in list_snapshots(conn.lookupByName(name))] == [pre.name]

        guarded_stack.config["vms"] = [{**web1, "cmdline": new_cmdline, "deleteSnapshots": True}]
        assert set(guarded_stack.up().changed().values()) == {"update"}
        guarded_stack.destroy()
        assert name not in [d.name() for d in conn.listAllDomains(0)]
    finally:
        conn.close()
