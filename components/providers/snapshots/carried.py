"""Snapshot metadata on its way from one domain definition to the next, kept on the host.

libvirt keeps a domain's snapshot metadata with the definition: a replace (undefine, then
define anew under the same name) and a migration (the definition moves, its snapshots'
metadata does not) must take it off and redefine it on the new side. Between those two
steps it must not live only in the provider's memory: the engine starts a fresh plugin
process per deployment, and a failed create or copy would lose it. So it is written to the
host first and removed only once the new side has it:

- across a replace, as a small file in the storage pool of the VM's first disk,
  `<domain>.kvmp-snapshots.xml` (the old domain is gone meanwhile; the pool holds the VM's
  kept disks, whose snapshot data this metadata describes, so it lives exactly as long as
  they do, and it is read and written through libvirt streams, so remote hosts work too);
- across a migration, in the domain's own persistent metadata, which travels with the
  definition (`VIR_MIGRATE_PERSIST_DEST`): whichever host holds the domain holds the
  metadata, after a success, a failure, or a crash in between.

A later create or update that finds a stash redefines the snapshots, then removes it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

import libvirt
from lxml import etree

from components.providers.base import ProviderError, each_found, found
from components.providers.retry import retried
from components.providers.streams import download
from components.spec.snapshot import SnapshotSpec

CARRIED_NS = "https://kvm-pulumi.dev/xmlns/carried-snapshots/1"
CARRIED_PREFIX = "kvmpcarry"
STASH_SUFFIX = ".kvmp-snapshots.xml"


@dataclass(frozen=True)
class CarriedSnapshot:
    """One snapshot's metadata (`virDomainSnapshotGetXMLDesc`, secure) and whether it was
    the domain's current snapshot."""

    xml: str
    current: bool


def take_all(dom: libvirt.virDomain) -> list[CarriedSnapshot]:
    """Every snapshot's metadata of `dom`, parents first (read only; nothing removed)."""
    current = dom.snapshotCurrent().getName() if dom.hasCurrentSnapshot() else None
    secure = libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE
    snapshots = dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)
    return [
        CarriedSnapshot(xml, snap.getName() == current)
        for snap, xml in each_found(
            snapshots, lambda s: s.getXMLDesc(secure), libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT
        )
    ]


def to_document(carried: list[CarriedSnapshot]) -> str:
    """The stash: one element, each snapshot's XML as text (nothing libvirt could rewrite)."""
    root = etree.Element("carried")
    for item in carried:
        element = etree.SubElement(root, "snapshot", current="yes" if item.current else "no")
        element.text = item.xml
    return etree.tostring(root, encoding="unicode")


def from_document(text: str) -> list[CarriedSnapshot]:
    root = etree.fromstring(text.encode())
    return [
        CarriedSnapshot(element.text or "", element.get("current") == "yes")
        for element in root.iter("{*}snapshot")
    ]


def merged(first: list[CarriedSnapshot], then: list[CarriedSnapshot]) -> list[CarriedSnapshot]:
    """`first` plus those of `then` whose names it lacks (a stash plus what is still live)."""
    names = {_name(c.xml) for c in first}
    return first + [c for c in then if _name(c.xml) not in names]


def _name(xml: str) -> str:
    return str(etree.fromstring(xml.encode()).findtext("name"))


def redefine(dom: libvirt.virDomain, carried: list[CarriedSnapshot]) -> list[str]:
    """Give `dom` the carried snapshots' metadata (oldest first, under its own UUID);
    snapshots it already has are left alone. Returns the names redefined."""
    uuid = str(dom.UUIDString())
    have = {str(n) for n in dom.snapshotListNames(0)}
    specs = []
    for item in carried:
        root = etree.fromstring(item.xml.encode())
        for element in root.findall("domain/uuid") + root.findall("inactiveDomain/uuid"):
            element.text = uuid
        specs.append((SnapshotSpec.from_element(root).creation_time or 0, root, item.current))
    names = []
    for _created, root, current in sorted(specs, key=lambda s: s[0]):
        name = str(root.findtext("name"))
        if name in have:
            continue
        flags = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
        if current:
            flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
        dom.snapshotCreateXML(etree.tostring(root, encoding="unicode"), flags)
        names.append(name)
    return names


# ---- across a migration: in the domain's own metadata ------------------------------------
def _metadata_flags(dom: libvirt.virDomain) -> int:
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
    if dom.isActive():
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    return int(flags)


def stash_in_domain(dom: libvirt.virDomain, carried: list[CarriedSnapshot]) -> None:
    """Keep `carried` in the domain's definition (and live XML), where migration takes it."""
    retried(
        lambda: dom.setMetadata(
            libvirt.VIR_DOMAIN_METADATA_ELEMENT,
            to_document(carried),
            CARRIED_PREFIX,
            CARRIED_NS,
            _metadata_flags(dom),
        )
    )


def stashed_in_domain(dom: libvirt.virDomain) -> list[CarriedSnapshot]:
    """What a migration (this one, or an earlier one that did not finish) stashed."""
    text = found(
        lambda: str(
            dom.metadata(
                libvirt.VIR_DOMAIN_METADATA_ELEMENT, CARRIED_NS, libvirt.VIR_DOMAIN_AFFECT_CONFIG
            )
        ),
        libvirt.VIR_ERR_NO_DOMAIN_METADATA,
    )
    return from_document(text) if text else []


def clear_domain_stash(dom: libvirt.virDomain) -> None:
    retried(
        lambda: dom.setMetadata(
            libvirt.VIR_DOMAIN_METADATA_ELEMENT, None, None, CARRIED_NS, _metadata_flags(dom)
        )
    )


def restore_domain_stash(dom: libvirt.virDomain) -> list[str]:
    """Redefine what the domain's stash holds, then drop the stash; the names redefined."""
    carried = stashed_in_domain(dom)
    if not carried:
        return []
    names = redefine(dom, carried)
    clear_domain_stash(dom)
    return names


# ---- across a replace: a file in the pool of the VM's disks ------------------------------
def stash_name(domain: str) -> str:
    return f"{domain}{STASH_SUFFIX}"


def _disk_pool(conn: libvirt.virConnect, dom: libvirt.virDomain) -> libvirt.virStoragePool:
    """The pool of the domain's first disk (named, or found by its file's directory)."""
    root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
    for source in root.findall("devices/disk/source"):
        if source.get("pool"):
            return conn.storagePoolLookupByName(source.get("pool"))
        if source.get("file"):
            directory = posixpath.dirname(str(source.get("file")))
            pool = found(
                lambda: conn.storagePoolLookupByTargetPath(directory),  # noqa: B023 - called at once
                libvirt.VIR_ERR_NO_STORAGE_POOL,
            )
            if pool is not None:
                return pool
    raise ProviderError(
        f"domain {dom.name()}: none of its disks is in a storage pool, so there is nowhere on "
        "the host to keep its snapshots' metadata during the replace; not replacing it"
    )


def stash_in_pool(conn: libvirt.virConnect, dom: libvirt.virDomain) -> str:
    """Write the domain's snapshot metadata to `<domain>.kvmp-snapshots.xml` in the pool of
    its disks, read it back to be sure; return the stash's path."""
    data = to_document(take_all(dom)).encode()
    pool = _disk_pool(conn, dom)
    name = stash_name(str(dom.name()))
    old = found(lambda: pool.storageVolLookupByName(name), libvirt.VIR_ERR_NO_STORAGE_VOL)
    if old is not None:  # from a replace that never got its create: still ours to keep
        data = to_document(merged(from_document(_read(conn, old)), take_all(dom))).encode()
        retried(lambda: old.delete(0))
    xml = (
        f"<volume><name>{name}</name><capacity unit='bytes'>{len(data)}</capacity>"
        "<target><format type='raw'/></target></volume>"
    )
    vol = pool.createXML(xml, 0)
    stream = conn.newStream(0)
    vol.upload(stream, 0, len(data), 0)
    try:
        stream.send(data)
        stream.finish()
    except BaseException:
        stream.abort()
        raise
    if _read(conn, vol) != data.decode():
        raise ProviderError(f"domain {dom.name()}: the snapshot metadata stash did not read back")
    return str(vol.path())


def _read(conn: libvirt.virConnect, vol: libvirt.virStorageVol) -> str:
    """A stash file's whole text (its capacity is its size)."""
    return download(conn, vol, int(vol.info()[1])).decode()


def find_pool_stash(
    conn: libvirt.virConnect, domain: str
) -> tuple[libvirt.virStorageVol, list[CarriedSnapshot]] | None:
    """The stash a replace left for `domain` in any active pool of the host, if any."""
    name = stash_name(domain)
    pools = conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
    for _pool, vol in each_found(
        pools, lambda p: p.storageVolLookupByName(name), libvirt.VIR_ERR_NO_STORAGE_VOL
    ):
        return vol, from_document(_read(conn, vol))
    return None


def drop_pool_stash(vol: libvirt.virStorageVol) -> None:
    retried(lambda: vol.delete(0))
