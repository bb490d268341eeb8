"""The Volume dynamic provider: empty volumes, copy-on-write clones, and image imports.

Imports stream the image into the volume with `virStorageVol.upload`, so they work on
remote hosts (qemu+ssh) exactly as on a local one. A failed import deletes the half-made
volume. Volumes grow in place and never shrink; a base volume that other volumes use as
their backing file is never deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import libvirt
from lxml import etree

from components.providers import plugin_log, progress, takeover
from components.providers.base import (
    ADOPT_KEY,
    LibvirtProvider,
    Props,
    ProviderError,
    UnreadableNowError,
    each_found,
    found,
    is_missing,
)
from components.providers.image_source import (
    CHUNK_BYTES,
    ImageSourceError,
    OpenImage,
    open_image,
)
from components.providers.pool import lookup_pool, refresh_pool, require_pool_running
from components.providers.retry import retried
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


def refuse_unseen_delete(conn: libvirt.virConnect, pool_name: str, label: str) -> None:
    """A volume libvirt does not find is gone, unless its pool is stopped or undefined: its
    file may well be there then, so its delete fails rather than forget it."""
    try:
        require_pool_running(conn, pool_name)
    except UnreadableNowError as err:
        raise ProviderError(
            f"not deleting {label}: {err}; run `pulumi up` to start it again"
        ) from err


def find_or_create(
    pool: libvirt.virStoragePool, name: str, make: Callable[[], libvirt.virStorageVol]
) -> tuple[libvirt.virStorageVol, bool]:
    """The volume `name` of `pool` and False, or the one `make()` creates and True.

    libvirt's volume list is asked first. A file the list does not show yet (made on shared
    storage by another host, or outside libvirt) makes libvirt refuse the create ("already
    exists"), and a listed volume whose file is gone cannot be read; only then is the pool
    refreshed and asked again: a refresh is refused while any volume of the pool is being
    built, so refreshing on every create fails creates that run at once.
    """
    vol = volume_named(pool, name)
    if vol is not None and _gone(vol):  # its file was removed behind libvirt's back
        refresh_pool(pool)
        vol = volume_named(pool, name)
    if vol is not None:
        return vol, False
    try:
        return make(), True
    except libvirt.libvirtError as err:
        exists = err.get_error_code() == libvirt.VIR_ERR_STORAGE_VOL_EXIST or (
            err.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID
            and "already exists" in str(err)
        )
        if not exists:
            raise
        refresh_pool(pool)
        vol = volume_named(pool, name)
        if vol is None:
            raise
        return vol, False


def _gone(vol: libvirt.virStorageVol) -> bool:
    """True when libvirt lists the volume but cannot read its file (e.g. another host on
    shared storage deleted it): only a refresh makes libvirt forget it."""
    try:
        vol.info()
    except libvirt.libvirtError:
        return True
    return False


def volumes_of(pool: libvirt.virStoragePool) -> list[libvirt.virStorageVol]:
    """The pool's volumes; none when the pool went away or stopped meanwhile."""
    try:
        return list(pool.listAllVolumes(0))
    except libvirt.libvirtError as err:
        if is_missing(err, libvirt.VIR_ERR_NO_STORAGE_POOL, libvirt.VIR_ERR_OPERATION_INVALID):
            return []
        raise


def backed_by(pool: libvirt.virStoragePool, path: str) -> list[str]:
    """Names of the volumes in `pool` whose backing file is `path`.

    Other calls delete volumes meanwhile: one that vanishes between the list and its read
    is skipped.
    """
    xmls = each_found(volumes_of(pool), lambda v: v.XMLDesc(0), libvirt.VIR_ERR_NO_STORAGE_VOL)
    return sorted(
        vol.name()
        for vol, xml in xmls
        if etree.fromstring(xml.encode()).findtext("backingStore/path") == path
    )


def _upload(conn: libvirt.virConnect, vol: libvirt.virStorageVol, image: OpenImage) -> None:
    stream = conn.newStream(0)
    vol.upload(stream, 0, image.length, 0)
    with progress.task(f"importing {image.where} into {vol.name()}", image.length) as shown:
        image.shown = shown
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
            retried(lambda: vol.delete(0))
            raise
    refresh_pool(pool)
    return pool.storageVolLookupByName(spec.name)


def used_by_domains(conn: libvirt.virConnect, vol: libvirt.virStorageVol) -> list[str]:
    """Names of the domains defined on this host that have `vol` as a disk."""
    pool = vol.storagePoolLookupByVolume().name()
    users = []
    inactive = libvirt.VIR_DOMAIN_XML_INACTIVE
    xmls = each_found(
        conn.listAllDomains(0), lambda d: d.XMLDesc(inactive), libvirt.VIR_ERR_NO_DOMAIN
    )
    for dom, xml in xmls:
        root = etree.fromstring(xml.encode())
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
            plugin_log.info(
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

        def make() -> libvirt.virStorageVol:
            if is_import(spec):
                try:
                    return _import(conn, pool, spec)
                except ImageSourceError as err:
                    raise ProviderError(f"importing {self.label(props)}: {err}") from err
            _check_clone_size(conn, spec)
            return pool.createXML(spec.to_xml(), 0)

        vol, created = find_or_create(pool, spec.name, make)
        if not created and not props.get(ADOPT_KEY):
            left = _left_by_interrupted_run(conn, vol, spec)
            vol = make() if left is None else left  # None: a cut-short import, deleted
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
            require_pool_running(conn, desired.pool)
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
            refresh_pool(pool_named(conn, spec.pool))  # shared storage: the file is already there
        vol = volume_by_key(conn, id_)
        if vol is None:
            raise ProviderError(f"volume {spec.name!r} ({id_}) no longer exists; run refresh")
        if spec.capacity_bytes is not None and vol.info()[1] < spec.capacity_bytes:
            vol.resize(spec.capacity_bytes, 0)
        return self._computed(vol)

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        vol = volume_by_key(conn, id_)
        if vol is None:
            refuse_unseen_delete(conn, str(props.get("pool")), self.label(props))
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
                "it (a VM that failed to migrate away, or that an interrupted `up` defined "
                "without recording it, still uses it: run `pulumi up` to take such a VM over "
                "first)"
            )
        retried(lambda: vol.delete(0))
