"""The StoragePool dynamic provider: dir pools defined, built, started and autostarted.

libvirt pools carry no metadata, so ownership is the UUID recorded at create time. A pool
is deleted only while it holds no volumes (ours are deleted before it, in reverse
dependency order; anything left belongs to someone else), and its directory only when this
provider made it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import libvirt

from components.providers import takeover
from components.providers.base import (
    ADOPT_KEY,
    LibvirtProvider,
    Props,
    ProviderError,
    UnreadableNowError,
    found,
)
from components.providers.retry import retried
from components.spec.changes import POOL_RULES, FieldChange
from components.spec.pool import PoolSpec


def lookup_pool(conn: libvirt.virConnect, name: str) -> libvirt.virStoragePool | None:
    """The pool named `name`, or None."""
    return found(lambda: conn.storagePoolLookupByName(name), libvirt.VIR_ERR_NO_STORAGE_POOL)


def require_pool_running(conn: libvirt.virConnect, pool_name: str) -> None:
    """Raise `UnreadableNowError` when the pool is stopped or undefined (by hand: `virsh
    pool-destroy`, `pool-undefine`): libvirt lists no volume of it then, yet its files are
    still there, so a volume not found is not a volume gone. The pool's own refresh reports
    it; `up` repairs it."""
    pool = lookup_pool(conn, pool_name)
    if pool is None:
        raise UnreadableNowError(f"storage pool {pool_name!r} is not defined")
    if not pool.isActive():
        raise UnreadableNowError(f"storage pool {pool_name!r} is stopped")


def refresh_pool(pool: libvirt.virStoragePool) -> None:
    """Re-read the pool's directory, retried while libvirt refuses because other volumes
    of the pool are being built (it does while any create runs: never refresh on every
    create, only when a file libvirt does not list yet must be seen)."""
    retried(lambda: pool.refresh(0))


def _lookup(conn: libvirt.virConnect, uuid: str) -> libvirt.virStoragePool | None:
    return found(lambda: conn.storagePoolLookupByUUIDString(uuid), libvirt.VIR_ERR_NO_STORAGE_POOL)


def _start(pool: libvirt.virStoragePool) -> bool:
    """Start the pool, building its directory first when it is missing (a start succeeds
    only when the directory exists already, on the host); True if it was built."""
    try:
        pool.create()
    except libvirt.libvirtError:
        pool.build(0)
        pool.create()
        return True
    return False


class StoragePoolProvider(LibvirtProvider[PoolSpec]):
    """CRUD for libvirt storage pools described by PoolSpec."""

    spec_type = PoolSpec
    rules = POOL_RULES
    kind = "storage pool"
    computed_keys = ("uuid", "createdPath")

    def create_object(
        self, conn: libvirt.virConnect, spec: PoolSpec, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        existing = lookup_pool(conn, spec.name)
        if existing is not None and not props.get(ADOPT_KEY):
            return self._left_by_interrupted_run(conn, existing, spec)
        if existing is not None:
            if not existing.isActive():
                existing.create()
            existing.setAutostart(int(spec.autostart))
            return existing.UUIDString(), {"uuid": existing.UUIDString(), "createdPath": False}
        pool = conn.storagePoolDefineXML(spec.to_xml(), 0)
        try:
            created_path = _start(pool)
            pool.setAutostart(int(spec.autostart))
        except libvirt.libvirtError:
            if pool.isActive():
                pool.destroy()
            pool.undefine()
            raise
        return pool.UUIDString(), {"uuid": pool.UUIDString(), "createdPath": created_path}

    @staticmethod
    def _left_by_interrupted_run(
        conn: libvirt.virConnect, pool: libvirt.virStoragePool, spec: PoolSpec
    ) -> tuple[str, Props]:
        """A pool of our name and definition that was never started, or holds no volume, is
        what an interrupted create left: finish making it. Anything else is refused."""
        live = PoolSpec.from_xml(pool.XMLDesc(0))
        if (live.type, live.path) != (spec.type, spec.path) or (
            pool.isActive() and pool.numOfVolumes() > 0
        ):
            raise takeover.refuse_existing("storage pool", spec.name, f" on {conn.getURI()}")
        takeover.announce("storage pool", spec.name, conn.getURI())
        created_path = False
        if not pool.isActive():
            created_path = _start(pool) or pool.numOfVolumes() == 0
        pool.setAutostart(int(spec.autostart))
        return pool.UUIDString(), {"uuid": pool.UUIDString(), "createdPath": created_path}

    def read_object(
        self, conn: libvirt.virConnect, id_: str, desired: PoolSpec, props: Mapping[str, Any]
    ) -> tuple[PoolSpec, Props] | None:
        pool = _lookup(conn, id_)
        if pool is None:
            return None
        live = PoolSpec.from_xml(
            pool.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE),
            autostart=bool(pool.autostart()),
            running=bool(pool.isActive()),
            shared=desired.shared,  # kept outside libvirt: never drift
        )
        return live, {"uuid": id_, "createdPath": bool(props.get("createdPath"))}

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: PoolSpec,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        pool = _lookup(conn, id_)
        if pool is None:
            raise ProviderError(f"storage pool {spec.name!r} ({id_}) no longer exists")
        if spec.running and not pool.isActive():
            _start(pool)  # stopped by hand: its directory and volumes are still there
        pool.setAutostart(int(spec.autostart))
        return {"uuid": id_, "createdPath": bool(olds.get("createdPath"))}

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        pool = _lookup(conn, id_)
        if pool is None:
            return
        if props.get("shared"):
            # Other hosts' pools use the same directory: forget it here, touch no file.
            if pool.isActive():
                pool.destroy()
            pool.undefine()
            return
        if pool.isActive():
            # On shared storage another host may have removed the directory already.
            with contextlib.suppress(libvirt.libvirtError):
                refresh_pool(pool)
            left = sorted(pool.listVolumes())
            if left:
                raise ProviderError(
                    f"{self.label(props)} still holds volumes {left} that this stack does not "
                    "manage; not deleting it"
                )
            pool.destroy()
        if props.get("createdPath"):
            try:
                pool.delete(libvirt.VIR_STORAGE_POOL_DELETE_NORMAL)
            except libvirt.libvirtError as err:
                raise ProviderError(
                    f"removing the directory of {self.label(props)}: {err}"
                ) from err
        pool.undefine()
