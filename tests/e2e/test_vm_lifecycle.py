"""VMs of both generations through the real program and the harness, on a lab host.

gen1 (i440fx, SeaBIOS) and gen2 (q35, OVMF, TPM) boot the tiny guest; memory beyond the
maximum restarts the VM once (restartPolicy auto) and it comes back with the new size; a
generation change replaces the domain but keeps the data disk and what the guest wrote on it;
the console password never reaches the state file in plaintext.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest
from lxml import etree

from tests.components.mocks import REPO
from tests.harness import Harness
from tests.lab.base_image import make_base_image
from tests.lab.guest import TinyGuest, wait_for_marker
from tests.lab.hosts import LabHost
from tests.lab.waiting import wait_until

PASSWORD = "Vnc-s3cr"
DATA_MARKER = "DATA-SURVIVES-REPLACE"


def _config(host: LabHost, scratch: Path, guest: TinyGuest) -> dict[str, Any]:
    image = make_base_image(scratch / "base.qcow2", size_mib=32)
    tiny = {
        "image": {"path": str(image)},
        "pool": "vmstore",
        "memory": "256MiB",
        "maxMemory": "256MiB",
        "diskSize": "64MiB",
        "kernel": str(guest.kernel),
        "initrd": str(guest.initrd),
    }
    return {
        "hosts": {"lab": {"uri": host.uri, "domainType": "qemu"}},
        "pools": {"vmstore": {"path": str(scratch / "pool")}},
        "templates": {
            "modern": {
                **tiny,
                "generation": "gen2",
                "tpm": True,
                "graphics": {"type": "vnc", "password": PASSWORD},
            },
            "legacy": {**tiny, "generation": "gen1", "gen1Reason": "old guest kernel"},
        },
        "vms": [
            {
                "name": "g2",
                "template": "modern",
                "cmdline": guest.cmdline("g2", mode="loop", write=("/dev/vdb", DATA_MARKER)),
                "dataDisks": [{"name": "data", "size": "16MiB", "format": "qcow2"}],
                "shutdownTimeoutSeconds": 3,
            },
            {
                "name": "g1",
                "template": "legacy",
                "cmdline": guest.cmdline("g1", mode="loop"),
                "shutdownTimeoutSeconds": 3,
            },
        ],
    }


@pytest.fixture
def vm_stack(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> Iterator[Harness]:
    harness = Harness(
        REPO / "__main__.py",
        "kvm-estate",
        f"{name_prefix}vm",
        lab_scratch / "state.json",
        config=_config(lab_host, lab_scratch, tiny_guest),
    )
    try:
        yield harness
    finally:
        if harness.state.resources(custom_only=True):
            harness.destroy()


def _domain_urn(result: Any, name: str) -> str:
    (urn,) = [u for u in result.steps if u.endswith(f"kvm:Domain::{name}")]
    return str(urn)


def _guest_bytes(volume_path: str, length: int, scratch: Path) -> bytes:
    """The first bytes the guest sees on a qcow2 volume (read shared with a running qemu)."""
    raw = scratch / "data.raw"
    subprocess.run(
        ["qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", volume_path, str(raw)],
        check=True,
        capture_output=True,
    )
    with raw.open("rb") as handle:
        data = handle.read(length)
    raw.unlink()
    return data


def test_generations_restart_and_replace(
    vm_stack: Harness, lab_host: LabHost, name_prefix: str, lab_scratch: Path
):
    stack = f"{name_prefix}vm-"
    vm_stack.up()
    conn = libvirt.open(lab_host.uri)
    try:
        g1, g2 = conn.lookupByName(f"{stack}g1"), conn.lookupByName(f"{stack}g2")
        x1 = etree.fromstring(g1.XMLDesc(0).encode())
        x2 = etree.fromstring(g2.XMLDesc(0).encode())
        assert x1.find("os/type").get("machine").startswith("pc-i440fx")
        assert x1.find("os/loader") is None, "gen1 boots SeaBIOS"
        assert x1.find("devices/disk/target").get("bus") == "sata"
        assert x2.find("os/type").get("machine").startswith("pc-q35")
        assert "OVMF" in x2.findtext("os/loader"), "gen2 boots OVMF"
        assert x2.find("devices/tpm/backend").get("type") == "emulator"
        assert x2.find("devices/rng") is not None
        assert x2.find("devices/graphics/listen").get("address") == "127.0.0.1"
        wait_for_marker(lab_host.serial_log_path(f"{stack}g1"), "KVM-PULUMI-BOOT-OK g1")
        log2 = lab_host.serial_log_path(f"{stack}g2")
        wait_for_marker(log2, "KVM-PULUMI-BOOT-OK g2", timeout=180)
        wait_for_marker(log2, "GUEST-WROTE /dev/vdb", timeout=60)

        state_text = (lab_scratch / "state.json").read_text()
        assert PASSWORD not in state_text, "the console password is sealed in the state"

        first_id = g2.ID()
        vm_stack.config["vms"][0].update(memory="320MiB", maxMemory="320MiB")
        result = vm_stack.up()
        assert result.step(_domain_urn(result, "g2")) == "update"
        g2 = conn.lookupByName(f"{stack}g2")
        assert g2.ID() != first_id, "restarted (restartPolicy auto)"
        assert g2.isActive()
        assert etree.fromstring(g2.XMLDesc(0).encode()).findtext("memory") == str(320 * 1024)
        assert vm_stack.state.outputs(_domain_urn(result, "g2"))["pendingRestart"] is False
        wait_until(
            lambda: log2.read_text().count("KVM-PULUMI-BOOT-OK g2") >= 2 or None,
            180,
            "g2 to boot a second time",
        )

        pool = conn.storagePoolLookupByName(f"{stack}vmstore")
        data = pool.storageVolLookupByName(f"{stack}g2-data.qcow2")
        data_key, old_uuid = data.key(), g2.UUIDString()
        assert _guest_bytes(data.path(), len(DATA_MARKER), lab_scratch) == DATA_MARKER.encode()
        vm_stack.config["templates"]["modern"].update(
            generation="gen1", gen1Reason="test", tpm=False
        )
        result = vm_stack.up()
        assert result.step(_domain_urn(result, "g2")) == "replace"
        g2 = conn.lookupByName(f"{stack}g2")
        assert g2.UUIDString() != old_uuid
        assert etree.fromstring(g2.XMLDesc(0).encode()).find("os/loader") is None
        data = pool.storageVolLookupByName(f"{stack}g2-data.qcow2")
        assert data.key() == data_key, "the data disk survived the replace"
        assert _guest_bytes(data.path(), len(DATA_MARKER), lab_scratch) == DATA_MARKER.encode()
    finally:
        conn.close()
