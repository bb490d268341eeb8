"""Finds what a test session left behind on a host: libvirt objects and files, by name prefix.

Every test names what it creates with the `name_prefix` fixture, which starts with the
session's prefix; anything with that prefix still defined at the end of the session leaked.
So did files named with it that a VM or pool leaves when it goes: NVRAM, console logs, pool
directories and images in the host's own images directory; and TPM state (named by UUID)
of a domain the host no longer has.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import libvirt

from tests.lab.lab_host import LabHost


def leftovers(host: LabHost, prefix: str) -> list[str]:
    """Domains, networks, storage pools (active or not) and volumes named `prefix*` on `host`."""
    found: list[str] = []
    conn = libvirt.open(host.uri)
    try:
        for dom in conn.listAllDomains(0):
            if dom.name().startswith(prefix):
                found.append(f"domain {dom.name()} ({_activity(dom.isActive())})")
        for net in conn.listAllNetworks(0):
            if net.name().startswith(prefix):
                found.append(f"network {net.name()} ({_activity(net.isActive())})")
        for pool in conn.listAllStoragePools(0):
            if pool.name().startswith(prefix):
                found.append(f"storage pool {pool.name()} ({_activity(pool.isActive())})")
            if pool.isActive():
                found.extend(
                    f"volume {vol.name()} in pool {pool.name()}"
                    for vol in _volumes(pool)
                    if vol.name().startswith(prefix)
                )
        uuids = {dom.UUIDString() for dom in conn.listAllDomains(0)}
    finally:
        conn.close()
    found += leftover_files(host, prefix, uuids)
    return [f"{host.name}: {item}" for item in found]


def leftover_files(host: LabHost, prefix: str, domain_uuids: set[str]) -> list[str]:
    """Files a removed VM or pool should have taken with it (see module doc)."""
    lib = host.images_dir_outside.parent
    named = [
        ("NVRAM", lib / "qemu" / "nvram", f"{prefix}*"),
        ("console log", host.log_dir_outside / "qemu", f"{prefix}*-serial.log"),
        ("image or pool directory", host.images_dir_outside, f"{prefix}*"),
    ]
    found = [
        f"{what} {path}" for what, directory, pattern in named for path in _glob(directory, pattern)
    ]
    found += [
        f"TPM state {path} of a domain that is gone"
        for path in _glob(lib / "swtpm", "*")
        if path.name not in domain_uuids
    ]
    return found


def _glob(directory: Path, pattern: str) -> list[Path]:
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def _volumes(pool: libvirt.virStoragePool) -> list[libvirt.virStorageVol]:
    # A refresh sees volumes created behind libvirt's back too; it fails if a test deleted the
    # pool's directory, and then the listing libvirt still has is the best we can do.
    with contextlib.suppress(libvirt.libvirtError):
        pool.refresh(0)
    return list(pool.listAllVolumes(0))


def _activity(active: int) -> str:
    return "active" if active else "inactive"
