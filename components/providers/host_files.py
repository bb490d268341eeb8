"""Removing a file we made on a host, through libvirt alone (so over qemu+ssh too).

libvirt has no "delete this file" call, but its storage API deletes volumes: a transient
directory pool over the file's directory makes the file a volume for a moment. Used for the
files a VM leaves that are not volumes of their own — its serial console log — when the VM
is deleted or has moved to another host.
"""

from __future__ import annotations

import contextlib
import posixpath
import threading
import uuid
from collections.abc import Iterable, Iterator
from functools import partial
from xml.sax.saxutils import escape

import libvirt
from lxml import etree

from components.providers.base import found


def remove_files(conn: libvirt.virConnect, paths: Iterable[str]) -> list[str]:
    """Delete the files at `paths` on the host; return those that were there and went.

    A directory that does not exist holds nothing to delete. A directory that is already
    some pool's target is worked through that pool (libvirt allows one pool per directory).
    """
    by_dir: dict[str, list[str]] = {}
    for path in paths:
        by_dir.setdefault(posixpath.dirname(path), []).append(posixpath.basename(path))
    removed = []
    for directory, names in by_dir.items():
        with _one_at_a_time, _pool_over(conn, directory) as pool:
            if pool is None:
                continue
            for name in names:
                vol = found(partial(pool.storageVolLookupByName, name), _NO_VOL)
                if vol is not None:
                    vol.delete(0)
                    removed.append(posixpath.join(directory, name))
    return removed


_NO_VOL = libvirt.VIR_ERR_NO_STORAGE_VOL
_one_at_a_time = threading.Lock()
"""The engine deletes VMs in parallel threads; two pools over one directory conflict."""


@contextlib.contextmanager
def _pool_over(conn: libvirt.virConnect, directory: str) -> Iterator[libvirt.virStoragePool | None]:
    existing = _pool_at(conn, directory)
    if existing is not None:
        existing.refresh(0)
        yield existing
        return
    xml = (
        f"<pool type='dir'><name>kvmp-files-{uuid.uuid4().hex[:12]}</name>"
        f"<target><path>{escape(directory)}</path></target></pool>"
    )
    try:
        pool = conn.storagePoolCreateXML(xml, 0)
    except libvirt.libvirtError:
        # The directory is gone (nothing to delete), or the host will not list it.
        yield None
        return
    try:
        yield pool
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            pool.destroy()


def serial_logs(dom: libvirt.virDomain) -> list[str]:
    """The console log files the domain's persistent definition names."""
    root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
    return [str(log.get("file")) for log in root.iterfind("devices/serial/log") if log.get("file")]


def _pool_at(conn: libvirt.virConnect, directory: str) -> libvirt.virStoragePool | None:
    """The active pool whose target is `directory`, if any."""
    for pool in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE):
        target = etree.fromstring(pool.XMLDesc(0).encode()).findtext("target/path")
        if target is not None and posixpath.normpath(target) == posixpath.normpath(directory):
            return pool
    return None
