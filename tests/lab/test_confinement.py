"""The confinement check itself (no lab): what it asks of a profile, and that it can fail."""

from __future__ import annotations

from tests.lab.confinement import StartRecord, needed_files, problems

DOMAIN = """\
<domain type='qemu'>
  <name>vm</name>
  <uuid>d7dc58db-0292-4519-97ac-8ed0224f323c</uuid>
  <os>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/libvirt/qemu/nvram/vm_VARS.fd</nvram>
    <kernel>/boot/vmlinuz</kernel>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/pool/vm-root.qcow2' index='2'/>
      <backingStore type='file' index='3'>
        <source file='/pool/base.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/pool/vm-seed.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
  </devices>
</domain>
"""

PROFILE = """\
virt-aa-helper:
  "/pool/vm-root.qcow2" rwk,
  "/pool/base.qcow2" rk,
  # don't audit writes to readonly files
  deny "/pool/base.qcow2" w,
  "/pool/vm-seed.iso" rk,
  "/boot/vmlinuz" r,
  "/usr/share/OVMF/OVMF_CODE_4M.fd" rk,
  "/var/lib/libvirt/qemu/nvram/vm_VARS.fd" rwk,
  "/var/lib/libvirt/swtpm/d7dc58db-0292-4519-97ac-8ed0224f323c/tpm2/**" rwk,
"""


def _record(xml: str = DOMAIN, profile: str = PROFILE, returncode: int = 0) -> StartRecord:
    return StartRecord("a", "vm", xml, profile, returncode)


def test_every_file_qemu_opens_is_asked_for() -> None:
    assert [(f.why, f.path, f.access) for f in needed_files(DOMAIN)] == [
        ("disk vda", "/pool/vm-root.qcow2", "rw"),
        ("disk vda backing #1", "/pool/base.qcow2", "r"),
        ("disk sda", "/pool/vm-seed.iso", "r"),
        ("loader", "/usr/share/OVMF/OVMF_CODE_4M.fd", "r"),
        ("nvram", "/var/lib/libvirt/qemu/nvram/vm_VARS.fd", "rw"),
        ("kernel", "/boot/vmlinuz", "r"),
        ("NVRAM template", "/usr/share/OVMF/OVMF_VARS_4M.fd", "r"),
        (
            "TPM state",
            "/var/lib/libvirt/swtpm/d7dc58db-0292-4519-97ac-8ed0224f323c/tpm2/permall",
            "rw",
        ),
    ]


def test_a_profile_granting_everything_passes() -> None:
    assert problems(_record()) == []


def test_a_missing_backing_file_and_a_read_only_grant_fail() -> None:
    profile = PROFILE.replace('"/pool/base.qcow2" rk,', "").replace(
        '"/pool/vm-root.qcow2" rwk', '"/pool/vm-root.qcow2" rk'
    )
    found = problems(_record(profile=profile))
    assert any("backing #1 /pool/base.qcow2 needs 'r'" in p for p in found), found
    assert any(
        "disk vda /pool/vm-root.qcow2 needs 'rw', the profile grants 'rk'" in p for p in found
    )


def test_a_pool_volume_disk_cannot_be_granted() -> None:
    xml = DOMAIN.replace(
        "<disk type='file' device='cdrom'>\n      <source file='/pool/vm-seed.iso'/>",
        "<disk type='volume' device='cdrom'>\n      <source pool='vms' volume='vm-seed.iso'/>",
    )
    assert problems(_record(xml)) == [
        "a: domain vm: disk sda vms/vm-seed.iso needs 'r', the profile grants 'nothing'"
    ]


def test_a_failed_dry_run_is_a_problem() -> None:
    assert problems(_record(profile="virt-aa-helper: error: bad XML", returncode=1)) == [
        "a: domain vm: virt-aa-helper failed (1): virt-aa-helper: error: bad XML"
    ]
