"""Pool-volume disks written as the files they are, for the host's confinement.

A stock Debian/Ubuntu host confines each VM with an AppArmor profile that `virt-aa-helper`
writes from the domain XML, and it cannot resolve `<disk type='volume'>`: such a disk, and
every backing file behind it, is left out of the profile and QEMU gets "Permission denied"
at start. The spec keeps naming disks by pool and volume (that is what moves between hosts);
the provider writes each file-backed volume as `<disk type='file'>` with its path on the
host, and `read` maps the path back to the volume (`domain_guard.as_desired_disks`).
"""

from __future__ import annotations

import libvirt

from components.providers.base import ProviderError, found
from components.providers.pool import lookup_pool
from components.spec.domain import Disk, DomainSpec


def volume_file(conn: libvirt.virConnect, pool_name: str, volume_name: str) -> str | None:
    """The path of a file-backed volume; None for volumes that are not plain files."""
    pool = lookup_pool(conn, pool_name)
    if pool is None:
        raise ProviderError(f"disk pool {pool_name!r} does not exist on {conn.getURI()}")
    vol = found(lambda: pool.storageVolLookupByName(volume_name), libvirt.VIR_ERR_NO_STORAGE_VOL)
    if vol is None:
        raise ProviderError(
            f"disk volume {volume_name!r} does not exist in pool {pool_name!r} on {conn.getURI()}"
        )
    if vol.info()[0] != libvirt.VIR_STORAGE_VOL_FILE:
        return None
    return str(vol.path())


def as_file(conn: libvirt.virConnect, disk: Disk) -> Disk:
    """`disk` with a file-backed pool volume spelled as its file; other disks unchanged."""
    if disk.type != "volume" or disk.pool is None or disk.volume is None:
        return disk
    path = volume_file(conn, disk.pool, disk.volume)
    if path is None:
        return disk
    return disk.model_copy(update={"type": "file", "pool": None, "volume": None, "file": path})


def with_disk_files(conn: libvirt.virConnect, spec: DomainSpec) -> DomainSpec:
    """The spec as this host's libvirt gets it: volume disks written as their files."""
    return spec.model_copy(update={"disks": [as_file(conn, d) for d in spec.disks]})
