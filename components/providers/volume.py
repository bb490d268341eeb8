"""The Volume dynamic provider: empty volumes, copy-on-write clones, and image imports.

Imports stream the image into the volume with `virStorageVol.upload`, so they work on
remote hosts (qemu+ssh) exactly as on a local one. A failed import deletes the half-made
volume. Volumes grow in place and never shrink; a base volume that other volumes use as
their backing file is never deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libvirt
import pulumi
from lxml import etree

from components.providers import takeover
from components.providers.base import (
    ADOPT_KEY,
    LibvirtProvider,
    Props,
    ProviderError,
    found,
    is_missing,
)
from components.providers.image_source import (
    CHUNK_BYTES,
    ImageSourceError,
    OpenImage,
    open_image,
)
from components.providers.pool import lookup_pool
from components.spec.changes import CONNECTION_KEY, VOLUME_RULES, FieldChange
from components.spec.connection_uri import same_daemon
from components.spec.volume import VolumeSpec, is_import


def pool_named(conn: libvirt.virConnect, name: str) -> libvirt.virStoragePool:
    """The pool named `name`; raise naming pool and host when it does not exist."""
    pool = lookup_pool(conn, name)
    if pool is None:
        raise ProviderError(f"storage pool {name!r} does not exist on {conn.getURI()}")
    return pool


def volume_named(pool: libvirt.virStoragePool, name: str) -> libvirt.virStorageVol | None:
    """The volume `name` in `pool`, or None."""
    return found(lambda: pool.storageVolLookupByName(name), libvirt.VIR_ERR_NO_STORAGE_VOL)


def volume_by_key(conn: libvirt.virConnect, key: str) -> libvirt.virStorageVol | None:
    """The volume whose key (path) is `key`, or None."""
    return found(lambda: conn.storageVolLookupByKey(key), libvirt.VIR_ERR_NO_STORAGE_VOL)


def backed_by(pool: libvirt.virStoragePool, path: str) -> list[str]:
    """Names of the volumes in `pool` whose backing file is `path`."""
    users = []
    for vol in pool.listAllVolumes(0):
        root = etree.fromstring(vol.XMLDesc(0).encode())
        if root.findtext("backingStore/path") == path:
            users.append(vol.name())
    return sorted(users)


def _upload(conn: libvirt.virConnect, vol: libvirt.virStorageVol, image: OpenImage) -> None:
    stream = conn.newStream(0)
    vol.upload(stream, 0, image.length, 0)
    try:
        stream.sendAll(lambda _s, nbytes, _o: image.read(min(nbytes, CHUNK_BYTES)), None)
        stream.finish()
    except BaseException:
        stream.abort()
        raise


def _import(conn: libvirt.virConnect, pool: libvirt.virStoragePool, spec: VolumeSpec) -> Any:
    """Create a volume of the image's byte size and stream the image into it (one pass).

    The volume is made raw so libvirt does not write a qcow2 header of its own; after the
    upload a pool refresh lets libvirt see the image's real format and virtual size.
    """
    assert spec.source is not None
    with open_image(spec.source) as image:
        size = max(image.length, 1)
        placeholder = spec.model_copy(update={"capacity_bytes": size, "format": "raw"})
        vol = pool.createXML(placeholder.to_xml(), 0)
        try:
            _upload(conn, vol, image)
            image.verify(spec.source.sha256)
        except BaseException:
            vol.delete(0)
            raise
    pool.refresh(0)
    return pool.storageVolLookupByName(spec.name)


def used_by_domains(conn: libvirt.virConnect, vol: libvirt.virStorageVol) -> list[str]:
    """Names of the domains defined on this host that have `vol` as a disk."""
    pool = vol.storagePoolLookupByVolume().name()
    users = []
    for dom in conn.listAllDomains(0):
        root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
        for source in root.findall("devices/disk/source"):
            by_volume = (source.get("pool"), source.get("volume")) == (pool, vol.name())
            if by_volume or source.get("file") == vol.path():
                users.append(dom.name())
    return sorted(set(users))


def _check_clone_size(conn: libvirt.virConnect, spec: VolumeSpec) -> None:
    """A clone smaller than its base would cut off the guest's filesystem: refuse."""
    if spec.backing_path is None or spec.capacity_bytes is None:
        return
    try:
        base = conn.storageVolLookupByPath(spec.backing_path)
    except libvirt.libvirtError as err:
        if is_missing(err, libvirt.VIR_ERR_NO_STORAGE_VOL):
            raise ProviderError(
                f"volume {spec.name}: base volume {spec.backing_path!r} does not exist"
            ) from err
        raise
    virtual = int(base.info()[1])
    if spec.capacity_bytes < virtual:
        raise ProviderError(
            f"volume {spec.name}: capacityBytes {spec.capacity_bytes} is smaller than the base "
            f"image's virtual size {virtual} ({spec.backing_path}); make the disk at least "
            "that big"
        )


def _left_by_interrupted_run(
    conn: libvirt.virConnect, vol: libvirt.virStorageVol, spec: VolumeSpec
) -> libvirt.virStorageVol | None:
    """An existing volume of our name: take it over when it holds what it must, delete it
    when it is our own cut-short upload (None: import again), refuse otherwise."""
    where = f" in pool {spec.pool!r} on {conn.getURI()}"
    users = used_by_domains(conn, vol)
    if users:
        raise takeover.refuse_existing("volume", spec.name, where, f"(disk of {users}) ")
    if is_import(spec):
        assert spec.source is not None
        try:
            with open_image(spec.source) as image:
                chunks = iter(lambda: image.read(CHUNK_BYTES), b"")
                verdict = takeover.classify_import(conn, vol, chunks, image.length)
                for _rest in chunks:
                    pass
                image.verify(spec.source.sha256)
        except ImageSourceError as err:
            raise ProviderError(f"volume {spec.name}: {err}") from err
        if verdict is takeover.Found.PARTIAL:
            pulumi.log.info(
                f"volume {spec.name}{where}: an interrupted import left it incomplete; "
                "importing it again"
            )
            vol.delete(0)
            return None
        if verdict is takeover.Found.SAME:
            takeover.announce("volume", spec.name, conn.getURI())
            return vol
        raise takeover.refuse_existing("volume", spec.name, where, "(other content) ")
    live = VolumeSpec.from_xml(vol.XMLDesc(0), pool=spec.pool)
    same = (
        live.format == spec.format
        and live.backing_path == spec.backing_path
        and (spec.capacity_bytes is None or live.capacity_bytes == spec.capacity_bytes)
    )
    if not same:
        raise takeover.refuse_existing("volume", spec.name, where, "(other format or size) ")
    takeover.announce("volume", spec.name, conn.getURI())
    return vol


class VolumeProvider(LibvirtProvider[VolumeSpec]):
    """CRUD for libvirt storage volumes described by VolumeSpec."""

    spec_type = VolumeSpec
    rules = VOLUME_RULES
    kind = "volume"
    computed_keys = ("key", "path", "allocationBytes", "virtualSizeBytes")

    def check_change(self, olds: Mapping[str, Any], spec: VolumeSpec) -> list[tuple[str, str]]:
        old = olds.get("capacityBytes")
        if (
            isinstance(old, int | float)
            and spec.capacity_bytes is not None
            and spec.capacity_bytes < old
        ):
            return [
                (
                    "capacityBytes",
                    f"volume {spec.name}: capacityBytes {spec.capacity_bytes} is below the "
                    f"current {int(old)}; volumes never shrink (that would lose data)",
                )
            ]
        return []

    def create_object(
        self, conn: libvirt.virConnect, spec: VolumeSpec, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        pool = pool_named(conn, spec.pool)
        pool.refresh(0)
        vol = volume_named(pool, spec.name)
        if vol is not None and not props.get(ADOPT_KEY):
            vol = _left_by_interrupted_run(conn, vol, spec)
        if vol is None and is_import(spec):
            try:
                vol = _import(conn, pool, spec)
            except ImageSourceError as err:
                raise ProviderError(f"importing {self.label(props)}: {err}") from err
        elif vol is None:
            _check_clone_size(conn, spec)
            vol = pool.createXML(spec.to_xml(), 0)
        return vol.key(), self._computed(vol)

    @staticmethod
    def _computed(vol: libvirt.virStorageVol) -> Props:
        _type, capacity, allocation = vol.info()
        return {
            "key": vol.key(),
            "path": vol.path(),
            "allocationBytes": allocation,
            "virtualSizeBytes": capacity,
        }

    def read_object(
        self, conn: libvirt.virConnect, id_: str, desired: VolumeSpec, props: Mapping[str, Any]
    ) -> tuple[VolumeSpec, Props] | None:
        vol = volume_by_key(conn, id_)
        if vol is None:
            return None
        live = VolumeSpec.from_xml(
            vol.XMLDesc(0),
            pool=desired.pool,
            source=desired.source,
            rebuild=desired.rebuild,
            shared=desired.shared,
        )
        if desired.capacity_bytes is None:
            live = live.model_copy(update={"capacity_bytes": None})
        if desired.backing_format is None:
            live = live.model_copy(update={"backing_format": None})
        computed = self._computed(vol)
        if "allocationBytes" in props:
            # What the guest writes is not drift: `allocationBytes` stays the allocation the
            # volume had when the stack made or last changed it (a refresh of every running
            # VM's disks would otherwise report a change every day).
            computed["allocationBytes"] = props["allocationBytes"]
        return live, computed

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: VolumeSpec,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        if not same_daemon(str(olds.get(CONNECTION_KEY)), conn.getURI()):
            pool_named(conn, spec.pool).refresh(0)  # shared storage: the file is already there
        vol = volume_by_key(conn, id_)
        if vol is None:
            raise ProviderError(f"volume {spec.name!r} ({id_}) no longer exists; run refresh")
        if spec.capacity_bytes is not None and vol.info()[1] < spec.capacity_bytes:
            vol.resize(spec.capacity_bytes, 0)
        return self._computed(vol)

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        vol = volume_by_key(conn, id_)
        if vol is None:
            return
        # Clones often live in another pool than their base (base images vs VM disks).
        pools = conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
        users = [f"{pool.name()}/{user}" for pool in pools for user in backed_by(pool, vol.path())]
        if users:
            raise ProviderError(
                f"{self.label(props)} is the backing file of {users}; not deleting it "
                "(delete or rebuild those volumes first)"
            )
        domains = used_by_domains(conn, vol)
        if domains:
            raise ProviderError(
                f"{self.label(props)} is a disk of domains {domains} on this host; not deleting "
                "it (a VM that failed to migrate away still uses it)"
            )
        vol.delete(0)
