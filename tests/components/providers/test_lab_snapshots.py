"""Snapshots on a real libvirtd (lab host, libvirt 9.0, TCG): internal snapshots of BIOS VMs
(running and stopped) and their revert, external disk-only snapshots of a UEFI VM, the
external revert we can do safely and the ones we refuse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import libvirt
import pytest

from components.providers.snapshots.external_revert import RevertRefusedError
from components.providers.snapshots.kinds import SnapshotOptions, SnapshotRefusedError
from components.providers.snapshots.operations import (
    delete_snapshot,
    list_snapshots,
    revert_snapshot,
    take_snapshot,
)
from components.spec.snapshot import SnapshotTag
from tests.components.providers.lab_support import cleaned, connection
from tests.components.providers.snapshot_lab import (
    LabPool,
    internal_snapshots_in,
    qemu_io,
    tiny_domain_xml,
    uefi_vars_copy,
    volume_disk,
    wait_off,
)
from tests.lab import BOOT_MARKER, LabHost, TinyGuest, guest_read_value, wait_for_marker

BOOT_TIMEOUT = 120.0
TAG = SnapshotTag("declared", datetime(2024, 5, 1, tzinfo=UTC))


def test_internal_snapshots_of_a_stopped_and_a_running_bios_vm(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}bios"
    with cleaned(lab_host, name_prefix), connection(lab_host) as conn:
        pool = LabPool.make(conn, name_prefix, lab_scratch)
        root = pool.volume(f"{name_prefix}root.qcow2", marker="ROOT")
        data = pool.volume(f"{name_prefix}data.qcow2")
        disks = [volume_disk(pool.name, root, "vda"), volume_disk(pool.name, data, "vdb")]
        xml = tiny_domain_xml(tiny_guest, name, tiny_guest.cmdline(name, "loop"), disks)
        dom = conn.defineXML(xml)

        off = take_snapshot(dom, "off", TAG, SnapshotOptions())
        assert (off.plan.kind, off.plan.memory) == ("internal", False)
        assert off.info.spec.state == "shutoff"
        for volume in (root, data):
            assert "off" in internal_snapshots_in(pool.path / volume), "inside each qcow2"

        dom.create()
        wait_for_marker(lab_host.serial_log_path(name), f"{BOOT_MARKER} {name}", BOOT_TIMEOUT)
        running = take_snapshot(dom, "running", TAG, SnapshotOptions(include_memory=False))
        assert (running.plan.kind, running.plan.memory) == ("internal", True)
        assert "memory included" in running.plan.notes[0]
        assert running.info.spec.state == "running" and running.info.spec.has_memory()
        assert dom.isActive(), "the VM keeps running after the snapshot"

        listed = {s.name: s for s in list_snapshots(dom)}
        assert sorted(listed) == ["off", "running"]
        assert listed["running"].tag == TAG
        delete_snapshot(dom, "off")
        assert [s.name for s in list_snapshots(dom)] == ["running"]
        assert "off" not in internal_snapshots_in(pool.path / root)
        assert conn.lookupByName(name).isActive(), "deleting a snapshot left the VM alone"
        assert pool.files() == sorted([root, data]), "and its disks"
        dom.destroy()
        delete_snapshot(dom, "running")
        dom.undefine()


def test_revert_of_an_internal_snapshot_restores_a_marker_on_a_data_disk(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}mark"
    log = lab_host.serial_log_path(name)
    uuid: list[str] = []

    def boot(cmdline: str) -> libvirt.virDomain:
        xml = tiny_domain_xml(tiny_guest, name, cmdline, disks)
        if uuid:
            xml = xml.replace("</name>", f"</name><uuid>{uuid[0]}</uuid>", 1)
        dom = conn.defineXML(xml)
        uuid[:] = [dom.UUIDString()]
        dom.create()
        wait_off(dom)
        return dom

    with cleaned(lab_host, name_prefix), connection(lab_host) as conn:
        pool = LabPool.make(conn, name_prefix, lab_scratch)
        root = pool.volume(f"{name_prefix}root.qcow2", marker="ROOT")
        data = pool.volume(f"{name_prefix}data.qcow2")
        disks = [volume_disk(pool.name, root, "vda"), volume_disk(pool.name, data, "vdb")]
        cmd = tiny_guest.cmdline
        dom = boot(cmd(name, "poweroff", write=("/dev/vdb", "MARK-A")))
        assert log.read_text().count("GUEST-WROTE /dev/vdb") == 1
        take_snapshot(dom, "marked-a", TAG, SnapshotOptions())
        dom = boot(cmd(name, "poweroff", write=("/dev/vdb", "MARK-B"), read="/dev/vdb"))
        assert guest_read_value(log.read_text()) == "MARK-B", "the change reached the disk"

        message = revert_snapshot(dom, "marked-a")
        assert "the VM stays off" in message and not dom.isActive()
        dom = boot(cmd(name, "poweroff", read="/dev/vdb"))
        assert guest_read_value(log.read_text()) == "MARK-A"
        delete_snapshot(dom, "marked-a")
        dom.undefine()


def test_revert_of_a_snapshot_with_memory_resumes_the_vm(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}mem"
    with cleaned(lab_host, name_prefix), connection(lab_host) as conn:
        pool = LabPool.make(conn, name_prefix, lab_scratch)
        root = pool.volume(f"{name_prefix}root.qcow2")
        xml = tiny_domain_xml(
            tiny_guest,
            name,
            tiny_guest.cmdline(name, "loop"),
            [volume_disk(pool.name, root, "vda")],
        )
        dom = conn.defineXML(xml)
        dom.create()
        wait_for_marker(lab_host.serial_log_path(name), "tick 2", BOOT_TIMEOUT)
        take_snapshot(dom, "up", TAG, SnapshotOptions(include_memory=True))
        dom.destroy()
        message = revert_snapshot(dom, "up")
        assert "memory state restored; the VM runs" in message
        state, _reason = dom.state()
        assert state == libvirt.VIR_DOMAIN_RUNNING, "resumed, not paused or off"
        dom.destroy()
        delete_snapshot(dom, "up")
        dom.undefine()


def test_external_disk_only_snapshots_of_a_uefi_vm_and_their_revert(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}uefi"
    with cleaned(lab_host, name_prefix), connection(lab_host) as conn:
        pool = LabPool.make(conn, name_prefix, lab_scratch)
        root = pool.volume(f"{name_prefix}root.qcow2", marker="ROOT")
        xml = tiny_domain_xml(
            tiny_guest,
            name,
            tiny_guest.cmdline(name, "loop"),
            [volume_disk(pool.name, root, "vda")],
            uefi_vars=uefi_vars_copy(lab_scratch),
        )
        dom = conn.defineXML(xml)
        with pytest.raises(SnapshotRefusedError, match="pflash"):
            take_snapshot(dom, "nope", TAG, SnapshotOptions(mode="internal"))

        first = take_snapshot(dom, "first", TAG, SnapshotOptions())
        assert (first.plan.kind, first.plan.memory) == ("external", False)
        overlay1 = pool.path / f"{name_prefix}root.first.qcow2"
        assert first.info.spec.overlay_files() == {"vda": str(overlay1)}
        assert overlay1.exists()

        dom.create()  # the firmware runs; the guest need not finish booting for this
        second = take_snapshot(dom, "second", TAG, SnapshotOptions(include_memory=True))
        assert second.plan.kind == "external" and second.plan.memory is False
        assert "memory not included" in " ".join(second.plan.notes)
        overlay2 = pool.path / f"{name_prefix}root.second.qcow2"
        assert f"<source file='{overlay2}'" in dom.XMLDesc(0)
        with pytest.raises(RevertRefusedError, match="the VM is running"):
            revert_snapshot(dom, "second")
        dom.destroy()
        with pytest.raises(RevertRefusedError, match=r"newer snapshots \['second'\]"):
            revert_snapshot(dom, "first")

        # A "guest write" after the newest snapshot, then the revert discards it.
        assert qemu_io(overlay2, "write -P 0x42 1M 4k").returncode == 0
        assert qemu_io(overlay2, "read -P 0x42 1M 4k").returncode == 0
        message = revert_snapshot(dom, "second")
        assert "changes made to vda since the snapshot were discarded" in message
        check = qemu_io(overlay2, "read -P 0x42 1M 4k")
        assert "Pattern verification failed" in check.stdout + check.stderr
        assert "ROOT" in qemu_io(overlay2, "read -v 0 16").stdout, "the chain below is intact"
        assert [s.name for s in list_snapshots(dom)] == ["first", "second"]

        # Deleting in any order merges the overlays back (libvirt 9.0 with volume disks
        # needs the file-source rewrite done at snapshot time for the first one).
        delete_snapshot(dom, "first")
        delete_snapshot(dom, "second")
        assert list_snapshots(dom) == []
        assert not overlay1.exists() and not overlay2.exists()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
