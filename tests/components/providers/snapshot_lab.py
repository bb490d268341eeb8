"""Helpers of the snapshot lab tests: a pool with qcow2 volumes and tiny BIOS / UEFI domains
whose disks are pool volumes (`type='volume'`), as the product defines them."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import libvirt

from tests.lab import TinyGuest, make_base_image, wait_until

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


@dataclass
class LabPool:
    """A started dir pool named `<prefix>pool` on a lab host."""

    conn: libvirt.virConnect
    name: str
    path: Path

    @classmethod
    def make(cls, conn: libvirt.virConnect, prefix: str, scratch: Path) -> LabPool:
        path = scratch / "pool"
        path.mkdir()
        name = f"{prefix}pool"
        conn.storagePoolCreateXML(
            f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>", 0
        )
        return cls(conn, name, path)

    def volume(self, name: str, *, size_mib: int = 16, marker: str | None = None) -> str:
        """A qcow2 volume in the pool (starting with `marker` + newline, if given)."""
        make_base_image(self.path / name, size_mib=size_mib, marker=marker)
        self.conn.storagePoolLookupByName(self.name).refresh(0)
        return name

    def files(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir())


def volume_disk(pool: str, volume: str, target: str) -> str:
    return (
        f"<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>"
        f"<source pool='{pool}' volume='{volume}'/><target dev='{target}' bus='virtio'/></disk>"
    )


def tiny_domain_xml(
    guest: TinyGuest,
    name: str,
    cmdline: str,
    disks: list[str],
    *,
    uefi_vars: Path | None = None,
) -> str:
    """The tiny guest with pool-volume disks; with `uefi_vars`, a q35 UEFI (pflash) machine."""
    xml = guest.domain_xml(name, cmdline)
    emulator = "<emulator>/usr/bin/qemu-system-x86_64</emulator>"
    xml = xml.replace(emulator, emulator + "".join(disks))
    if uefi_vars is not None:
        loader = (
            f"<loader readonly='yes' type='pflash'>{OVMF_CODE}</loader>"
            f"<nvram>{uefi_vars}</nvram><kernel>"
        )
        xml = xml.replace("machine='pc'", "machine='q35'").replace("<kernel>", loader, 1)
    return xml


def uefi_vars_copy(directory: Path) -> Path:
    target = directory / "VARS.fd"
    shutil.copy(OVMF_VARS, target)
    return target


def wait_off(dom: libvirt.virDomain, timeout: float = 120.0) -> None:
    wait_until(lambda: not dom.isActive(), timeout, f"domain {dom.name()} to power off")


def qemu_io(image: Path | str, command: str) -> subprocess.CompletedProcess[str]:
    """Run one qemu-io command on an image (through its backing chain)."""
    return subprocess.run(
        ["qemu-io", "-f", "qcow2", "-c", command, str(image)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def internal_snapshots_in(image: Path) -> str:
    """`qemu-img snapshot -l` of a qcow2 file (the internal snapshots it holds)."""
    done = subprocess.run(
        ["qemu-img", "snapshot", "-U", "-l", str(image)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout
