"""Finds libvirt objects a test session left behind on a host, by name prefix.

Every test names what it creates with the `name_prefix` fixture, which starts with the
session's prefix; anything with that prefix still defined at the end of the session leaked.
"""

from __future__ import annotations

import contextlib

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
    finally:
        conn.close()
    return [f"{host.name}: {item}" for item in found]


def _volumes(pool: libvirt.virStoragePool) -> list[libvirt.virStorageVol]:
    # A refresh sees volumes created behind libvirt's back too; it fails if a test deleted the
    # pool's directory, and then the listing libvirt still has is the best we can do.
    with contextlib.suppress(libvirt.libvirtError):
        pool.refresh(0)
    return list(pool.listAllVolumes(0))


def _activity(active: int) -> str:
    return "active" if active else "inactive"
