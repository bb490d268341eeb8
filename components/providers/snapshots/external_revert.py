"""Revert to an external (disk-only) snapshot, where libvirt 9.0 cannot and we safely can.

libvirt 9.0 refuses every revert to an external snapshot ("revert to external snapshot not
supported yet"; libvirt 9.7 added it). What we offer is the one case that is safe to do by
hand: the VM is **off** and the snapshot is the **newest** one, so each disk still writes into
the overlay that snapshot made. Reverting then means discarding that overlay's contents:
the overlay volume is deleted and made again, empty, on top of the same frozen file. The
snapshot's metadata stays valid (same files, same chain), the domain definition is untouched.

Everything else is refused with the reason and what to do; nothing is partly reverted:
- a running VM: stop it first;
- an older snapshot: delete the newer ones first (their changes are merged into the newest
  remaining overlay, which the revert then discards) — a deliberate, visible step;
- an overlay outside a libvirt storage pool: the message gives the `qemu-img` command.
The UEFI variable store (NVRAM) and the VM's definition are not part of a disk-only snapshot.
"""

from __future__ import annotations

import posixpath

import libvirt
from lxml import etree

from components.providers.pool import refresh_pool
from components.spec.snapshot import SnapshotSpec

LIMITATION = (
    "libvirt 9.0 cannot revert to external snapshots (added in libvirt 9.7); kvm-pulumi "
    "reverts one only when the VM is off and the snapshot is the newest"
)


class RevertRefusedError(RuntimeError):
    """The revert cannot be done safely; the message says why and what to do instead."""


def revert_external(dom: libvirt.virDomain, spec: SnapshotSpec) -> str:
    """Discard every change made since `spec` (see the module doc); return what was done."""
    name = str(dom.name())
    if dom.isActive():
        raise RevertRefusedError(
            f"{name}: {spec.name} is an external snapshot and the VM is running; {LIMITATION}. "
            f"Stop the VM (virsh shutdown {name}) and run the revert again"
        )
    snap = dom.snapshotLookupByName(spec.name)
    if snap.numChildren(0):
        newer = [s.getName() for s in snap.listAllChildren(0)]
        raise RevertRefusedError(
            f"{name}: {spec.name} is an external snapshot with newer snapshots {newer}; "
            f"{LIMITATION}. Delete the newer snapshots first (their changes are merged into "
            f"{spec.name}'s overlay, which the revert then discards)"
        )
    current = _disk_sources(etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode()))
    snapshot_root = etree.fromstring(
        snap.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE).encode()
    )
    frozen = _frozen_files(snapshot_root)
    conn = dom.connect()
    plans = []
    for target, overlay in spec.overlay_files().items():
        if current.get(target) != overlay:
            raise RevertRefusedError(
                f"{name}: disk {target} no longer writes to {overlay} (it uses "
                f"{current.get(target)}); refusing to revert to {spec.name}"
            )
        if target not in frozen:
            raise RevertRefusedError(
                f"{name}: snapshot {spec.name} does not say which file disk {target} had "
                "before it; refusing to revert"
            )
        plans.append((overlay, *frozen[target], _pool_volume(conn, overlay, frozen[target][0])))
    for overlay, backing, backing_format, volume in plans:
        capacity = int(volume.info()[1])
        pool = volume.storagePoolLookupByVolume()
        volume.delete(0)
        pool.createXML(_overlay_xml(overlay, backing, backing_format, capacity), 0)
    disks = ", ".join(sorted(spec.overlay_files()))
    return (
        f"reverted {name} to {spec.name} (external): the changes made to {disks} since the "
        "snapshot were discarded; the VM's definition and UEFI variables were not touched"
    )


def _disk_sources(domain: etree._Element) -> dict[str, str | None]:
    sources: dict[str, str | None] = {}
    for disk in domain.findall("devices/disk"):
        target, source = disk.find("target"), disk.find("source")
        if target is not None:
            sources[str(target.get("dev"))] = source.get("file") if source is not None else None
    return sources


def _frozen_files(snapshot: etree._Element) -> dict[str, tuple[str, str]]:
    """Disk target → (file, format) the disk wrote to when the snapshot was taken."""
    found: dict[str, tuple[str, str]] = {}
    for disk in snapshot.findall("domain/devices/disk"):
        target, source, driver = disk.find("target"), disk.find("source"), disk.find("driver")
        if target is None or source is None or source.get("file") is None:
            continue
        fmt = driver.get("type", "raw") if driver is not None else "raw"
        found[str(target.get("dev"))] = (str(source.get("file")), str(fmt))
    return found


def _pool_volume(conn: libvirt.virConnect, overlay: str, backing: str) -> libvirt.virStorageVol:
    directory = posixpath.dirname(overlay)
    try:
        pool = conn.storagePoolLookupByTargetPath(directory)
        refresh_pool(pool)
        return pool.storageVolLookupByName(posixpath.basename(overlay))
    except libvirt.libvirtError as err:
        raise RevertRefusedError(
            f"overlay {overlay} is not a volume of a libvirt storage pool ({err}); to revert by "
            f"hand with the VM off: qemu-img create -f qcow2 -b {backing} -F qcow2 {overlay} "
            "(after moving the old overlay away)"
        ) from err


def _overlay_xml(path: str, backing: str, backing_format: str, capacity: int) -> str:
    root = etree.Element("volume")
    etree.SubElement(root, "name").text = posixpath.basename(path)
    etree.SubElement(root, "capacity", unit="bytes").text = str(capacity)
    target = etree.SubElement(root, "target")
    etree.SubElement(target, "format", type="qcow2")
    store = etree.SubElement(root, "backingStore")
    etree.SubElement(store, "path").text = backing
    etree.SubElement(store, "format", type=backing_format)
    return etree.tostring(root, encoding="unicode")
