"""Which snapshot a VM gets, from its live XML: internal for qcow2 BIOS guests, external
disk-only for UEFI (pflash) and raw disks, and the notes that say what the user must know."""

from __future__ import annotations

import pytest

from components.providers.snapshots.kinds import (
    SnapshotOptions,
    SnapshotRefusedError,
    domain_facts,
    overlay_path,
    plan_snapshot,
)


def domain_xml(*, pflash: bool = False, fmt: str = "qcow2", agent: bool = False) -> str:
    loader = "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"
    channel = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
    return f"""<domain type='qemu'><name>vm</name>
      <os><type machine='q35'>hvm</type>{loader if pflash else ""}</os>
      <devices>
        <disk type='volume' device='disk'><driver name='qemu' type='{fmt}'/>
          <source pool='vmstore' volume='dev-vm-root.qcow2'/><target dev='vda'/></disk>
        <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
          <source file='/iso/seed.iso'/><target dev='sda'/><readonly/></disk>
        {channel if agent else ""}
      </devices></domain>"""


def facts(active: bool, **kwargs: object):
    return domain_facts(
        domain_xml(**kwargs),  # type: ignore[arg-type]
        active,
        lambda pool, volume: f"/pools/{pool}/{volume}",
    )


def test_bios_qcow2_gets_internal_snapshots():
    off = plan_snapshot(facts(False), "s1", "d", SnapshotOptions())
    assert (off.kind, off.memory, off.notes) == ("internal", False, ())
    assert [(d.name, d.snapshot) for d in off.spec.disks] == [("vda", "internal"), ("sda", "no")]
    running = plan_snapshot(facts(True), "s2", "d", SnapshotOptions(include_memory=False))
    assert (running.kind, running.memory, running.spec.memory) == ("internal", True, "internal")
    assert "memory included" in running.notes[0]


def test_uefi_and_raw_disks_get_external_disk_only_snapshots():
    for kwargs, reason in (({"pflash": True}, "pflash"), ({"fmt": "raw"}, "is raw, not qcow2")):
        plan = plan_snapshot(facts(True, **kwargs), "s1", "d", SnapshotOptions())
        assert plan.kind == "external" and plan.memory is False
        assert reason in plan.notes[0]
        vda = plan.spec.disks[0]
        assert (vda.snapshot, vda.source_file) == (
            "external",
            "/pools/vmstore/dev-vm-root.s1.qcow2",
        )
        assert plan.spec.disks[1].snapshot == "no", "the CD-ROM is left out"


def test_mode_internal_refuses_what_cannot_have_internal_snapshots():
    with pytest.raises(SnapshotRefusedError, match=r"libvirt before 10\.10 refuses internal"):
        plan_snapshot(facts(False, pflash=True), "s", "d", SnapshotOptions(mode="internal"))


def test_quiesce_needs_a_guest_agent_and_a_running_vm():
    asked = SnapshotOptions(mode="disk-only", quiesce=True)
    with_agent = plan_snapshot(facts(True, agent=True), "s", "d", asked)
    assert with_agent.quiesce is True
    without = plan_snapshot(facts(True), "s", "d", asked)
    assert without.quiesce is False
    assert "not quiesced: the VM has no guest agent channel" in without.notes


def test_overlay_names_do_not_grow_with_each_snapshot():
    first = overlay_path("/p/dev-vm-root.qcow2", "nightly-20240501-0200")
    assert first == "/p/dev-vm-root.nightly-20240501-0200.qcow2"
    assert overlay_path(first, "n2") == "/p/dev-vm-root.n2.qcow2"
