"""libvirtd killed in the middle of an `up`, then restarted: the first rerun converges.

Each scenario kills the host's libvirtd at an exact point of one create (see
`injection`: a wrapped provider or libvirt function strikes there), checks that the `up`
failed, restarts libvirtd, and reruns: the rerun takes over or remakes what the interrupted
run left (no manual step), and the estate ends with no duplicate and no orphan.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import libvirt
import pytest

from components.config.load import load_stack_config
from components.estate import build_estate, export_estate
from components.snapshots.snapshot import Snapshot
from tests.e2e.faults.estate import converged, estate_stack, real_drift, rerun
from tests.e2e.faults.injection import arm
from tests.harness import Harness, HarnessError
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def _with_declared_snapshot() -> None:
    """The real program plus a declared snapshot of the VM (component API only)."""
    estate = build_estate(load_stack_config())
    Snapshot("before-upgrade", vm=estate.vms["app"])
    export_estate(estate)


def _killed_up(stack: Harness, host: LabHost) -> None:
    with pytest.raises(HarnessError):
        stack.up()
    host.restart_libvirtd()


def test_killed_after_the_domain_was_defined(
    lab_host: LabHost,
    lab_scratch: Path,
    tiny_guest: TinyGuest,
    name_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 241) as stack:
        fired = arm(monkeypatch, "components.providers.domain:_define", lab_host, lab_scratch)
        _killed_up(stack, lab_host)
        assert fired.exists(), "the fault struck"
        conn = libvirt.open(lab_host.uri)
        try:
            assert conn.lookupByName(f"{name_prefix}f-app"), "the interrupted run defined it"
        finally:
            conn.close()
        rerun(stack, "libvirtd killed after domain define")
        converged(stack, lab_host, lab_scratch, name_prefix)


def test_killed_while_the_base_image_uploads(
    lab_host: LabHost,
    lab_scratch: Path,
    tiny_guest: TinyGuest,
    name_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 242) as stack:
        # mid-upload, not mid-network-start (that one: test_lab_network's left bridges)
        fired = arm(
            monkeypatch,
            "components.providers.image_source:OpenImage.read",
            lab_host,
            lab_scratch,
            outside="components.providers.network_start:DEFINE_AND_START",
        )
        _killed_up(stack, lab_host)
        assert fired.exists(), "the fault struck"
        pool = lab_scratch / "pool"
        (partial,) = [p for p in pool.iterdir() if p.name.startswith(f"{name_prefix}f-tiny-")]
        image = Path(stack.config["templates"]["tiny"]["image"]["path"])
        assert not filecmp.cmp(partial, image, shallow=False), "the upload was cut short"
        refreshed = stack.refresh()  # the morning refresh, before anyone reruns the up
        assert not refreshed.vanished and not real_drift(refreshed), refreshed.drift
        rerun(stack, "libvirtd killed mid-upload")
        converged(stack, lab_host, lab_scratch, name_prefix)
        base = [
            r
            for r in stack.state.resources(custom_only=True)
            if r.type.endswith("kvm:Volume") and "source" in r.outputs
        ]
        assert len(base) == 1, "the base image is one resource of the stack"
        path = Path(str(base[0].outputs["path"]))
        assert filecmp.cmp(path, image, shallow=False), "the base volume holds the whole image"


def test_killed_after_the_snapshot_was_taken(
    lab_host: LabHost,
    lab_scratch: Path,
    tiny_guest: TinyGuest,
    name_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 243) as stack:
        stack.up()
        stack.program = _with_declared_snapshot
        fired = arm(monkeypatch, "libvirt:virDomain.snapshotCreateXML", lab_host, lab_scratch)
        _killed_up(stack, lab_host)
        assert fired.exists(), "the fault struck"
        rerun(stack, "libvirtd killed after snapshot")
        converged(stack, lab_host, lab_scratch, name_prefix)
        conn = libvirt.open(lab_host.uri)
        try:
            names = conn.lookupByName(f"{name_prefix}f-app").snapshotListNames(0)
        finally:
            conn.close()
        assert names.count("before-upgrade") == 1
