"""Moving a domain to another host: live when it runs, offline when it is stopped.

The target volumes already exist on the destination (they are resources of their own, made
before the domain is updated): a live migration either shares them (shared storage) or
copies each disk's data into them over NBD; an offline migration moves the
definition and streams each volume's bytes (vol.download → vol.upload), so it works over
any libvirt connection. Snapshot metadata, which libvirt does not migrate, is stashed in the
domain's own definition (see snapshots/carried.py), taken off the source's snapshot list, and
redefined on whichever side holds the domain afterwards (the destination, where the
snapshots' data travelled with the disks; the source after a failure);
a live copy-storage migration cannot carry internal snapshots and is refused instead of
losing them. A failed migration leaves the VM (and its snapshot metadata) on the source; a
successful one leaves nothing there: definition, NVRAM, TPM state and console log go.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import partial

import libvirt
from lxml import etree

from components.providers import progress
from components.providers.base import ProviderError, found
from components.providers.host_files import remove_files, serial_logs
from components.providers.job_progress import job_progress
from components.providers.pool import refresh_pool
from components.providers.retry import retried
from components.providers.snapshots import carried
from components.spec.domain import MigrationSettings

CHUNK_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class MigrationReport:
    """What a migration did, for logs and benchmarks."""

    mode: str
    """`live, shared storage`, `live, copy storage` or `offline, copied volumes`."""
    seconds: float
    downtime_ms: int | None
    snapshots_moved: tuple[str, ...]


def describe(running: bool, settings: MigrationSettings) -> str:
    """How the move will happen, as the preview says it."""
    if not running:
        return (
            "offline, copied volumes" if not settings.shared_storage else "offline, shared storage"
        )
    return "live, shared storage" if settings.shared_storage else "live, copy storage"


def _flags(settings: MigrationSettings, running: bool) -> int:
    # No VIR_MIGRATE_UNDEFINE_SOURCE: libvirt's undefine-on-migrate keeps the source's NVRAM
    # file; `_leave_source` undefines it with its NVRAM once the VM is on the destination.
    flags = libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_PEER2PEER
    if not running:
        return int(flags | libvirt.VIR_MIGRATE_OFFLINE)
    flags |= libvirt.VIR_MIGRATE_LIVE
    if not settings.shared_storage:
        # A full copy: libvirt cannot do an incremental copy into disks that reference pool
        # volumes ("pre-creation of storage targets ... not supported"), and the target
        # volumes exist already (made by their resources on the destination).
        flags |= libvirt.VIR_MIGRATE_NON_SHARED_DISK
    if settings.unsafe:
        flags |= libvirt.VIR_MIGRATE_UNSAFE
    if settings.tunnelled:
        flags |= libvirt.VIR_MIGRATE_TUNNELLED
    if settings.auto_converge:
        flags |= libvirt.VIR_MIGRATE_AUTO_CONVERGE
    if settings.post_copy:
        flags |= libvirt.VIR_MIGRATE_POSTCOPY
    return int(flags)


def _params(settings: MigrationSettings) -> dict[str, object]:
    params: dict[str, object] = {}
    if settings.address and not settings.tunnelled:
        params[libvirt.VIR_MIGRATE_PARAM_URI] = f"tcp://{settings.address}"
    if settings.listen_address:
        params[libvirt.VIR_MIGRATE_PARAM_LISTEN_ADDRESS] = settings.listen_address
    if settings.bandwidth_mib:
        params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = settings.bandwidth_mib
    return params


def _volume_disks(dom: libvirt.virDomain, conn: libvirt.virConnect) -> list[tuple[str, str]]:
    """(pool, volume) of each disk in the domain's persistent definition that is a pool
    volume: named as one, or as the file of one (as the domain provider writes them)."""
    root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
    disks = []
    for disk in root.findall("devices/disk"):
        source = disk.find("source")
        if source is None:
            continue
        pool, volume, path = source.get("pool"), source.get("volume"), source.get("file")
        if pool and volume:
            disks.append((pool, volume))
        elif path:
            vol = found(partial(conn.storageVolLookupByPath, path), libvirt.VIR_ERR_NO_STORAGE_VOL)
            if vol is not None:
                disks.append((str(vol.storagePoolLookupByVolume().name()), str(vol.name())))
    return disks


def _copy_volume(src: libvirt.virConnect, dst: libvirt.virConnect, pool: str, volume: str) -> None:
    """Stream one volume's bytes from `src` into the same-named volume on `dst`."""
    source = src.storagePoolLookupByName(pool).storageVolLookupByName(volume)
    target_pool = dst.storagePoolLookupByName(pool)
    refresh_pool(target_pool)
    target = target_pool.storageVolLookupByName(volume)
    length = _file_length(source)
    down, up = src.newStream(0), dst.newStream(0)
    source.download(down, 0, length, 0)
    target.upload(up, 0, length, 0)
    shown = progress.task(f"copying volume {pool}/{volume} to {dst.getURI()}", length)
    try:
        remaining = length
        while remaining > 0:
            data = down.recv(min(CHUNK_BYTES, remaining))
            if isinstance(data, int) or not data:
                raise ProviderError(f"copying volume {pool}/{volume}: the stream ended early")
            up.send(data)
            remaining -= len(data)
            shown.update(advance=len(data))
        down.finish()
        up.finish()
        shown.finish()
    except BaseException as error:
        shown.finish(type(error).__name__)
        down.abort()
        up.abort()
        raise
    refresh_pool(target_pool)


def _file_length(vol: libvirt.virStorageVol) -> int:
    """The volume file's length in bytes (a qcow2 file is shorter than its capacity)."""
    root = etree.fromstring(vol.XMLDesc(0).encode())
    physical = root.find("physical")
    if physical is not None and physical.text:
        return int(physical.text)
    return int(vol.info()[1])


def _take_snapshot_metadata(dom: libvirt.virDomain) -> None:
    """Move the snapshots' metadata (not their data) into the domain's own definition, which
    travels with it, then remove it from the source's snapshot list (libvirt cannot migrate
    a domain with snapshot metadata). A stash an unfinished earlier attempt left is kept."""
    carried.stash_in_domain(
        dom, carried.merged(carried.stashed_in_domain(dom), carried.take_all(dom))
    )
    snapshots = dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)
    for snap in reversed(snapshots):
        snap.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)


def migrate(
    dom: libvirt.virDomain,
    src: libvirt.virConnect,
    dst: libvirt.virConnect,
    dst_uri: str,
    settings: MigrationSettings,
) -> tuple[libvirt.virDomain, MigrationReport]:
    """Move `dom` from `src` to `dst`; return the domain on `dst` and what happened."""
    running = bool(dom.isActive())
    mode = describe(running, settings)
    arrived = found(partial(dst.lookupByUUIDString, dom.UUIDString()), libvirt.VIR_ERR_NO_DOMAIN)
    if arrived is not None and not running:
        # An earlier run moved it and stopped before the source was cleaned up.
        carried.restore_domain_stash(arrived)
        _leave_source(dom, src)
        return arrived, MigrationReport("completed earlier", 0.0, None, ())
    if not running and _has_tpm(dom):
        raise ProviderError(
            f"domain {dom.name()} has an emulated TPM, whose state an offline migration "
            "cannot carry (it lives in the source host's /var/lib/libvirt/swtpm); start the VM "
            "so the move is a live migration, which carries it"
        )
    if running and not settings.shared_storage and dom.snapshotNum(0) > 0:
        raise ProviderError(
            f"domain {dom.name()} has snapshots {sorted(dom.snapshotListNames(0))}, which a live "
            "migration without shared storage cannot carry (only the disks' current data is "
            "copied); stop the VM first (an offline migration copies them) or delete them"
        )
    _take_snapshot_metadata(dom)
    started = time.monotonic()
    timer = _abort_after(dom, settings) if running else None
    try:
        if not running and not settings.shared_storage:
            for pool, volume in _volume_disks(dom, src):
                _copy_volume(src, dst, pool, volume)
        # Peer-to-peer: the source libvirtd drives the move; the domain is looked up on dst.
        flags = _flags(settings, running)
        with job_progress(dom, f"migrating {dom.name()} ({mode}) to {dst_uri}"):
            retried(lambda: dom.migrateToURI3(dst_uri, _params(settings), flags))
    except BaseException as err:
        carried.restore_domain_stash(dom)  # the VM stays on the source, with its snapshots
        if isinstance(err, libvirt.libvirtError | ProviderError):
            raise ProviderError(
                f"migrating domain {dom.name()} ({mode}) to {dst_uri} failed; it stays on "
                f"{src.getURI()}: {err}"
            ) from err
        raise
    finally:
        if timer is not None:
            timer.cancel()
    seconds = time.monotonic() - started
    target = dst.lookupByUUIDString(dom.UUIDString())
    moved = carried.restore_domain_stash(target)
    if running and not target.isActive():
        raise ProviderError(f"domain {dom.name()} arrived on {dst_uri} but is not running")
    downtime = _downtime_ms(target) if running else None
    _leave_source(dom, src)
    return target, MigrationReport(mode, seconds, downtime, tuple(moved))


def _has_tpm(dom: libvirt.virDomain) -> bool:
    root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
    return root.find("devices/tpm/backend[@type='emulator']") is not None


def _leave_source(dom: libvirt.virDomain, src: libvirt.virConnect) -> None:
    """Remove what the VM leaves on the source once it runs on the destination: its
    definition, NVRAM, TPM state (carried by a live migration) and console log."""
    logs = serial_logs(dom)
    try:
        dom.undefineFlags(
            libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
        )
        remove_files(src, logs)
    except libvirt.libvirtError as err:
        raise ProviderError(
            f"domain {dom.name()} moved to the destination, but removing it from the source "
            f"{src.getURI()} failed (run up again to finish): {err}"
        ) from err


def _abort_after(dom: libvirt.virDomain, settings: MigrationSettings) -> threading.Timer:
    """Past the timeout: switch to post-copy when allowed, else abort (the VM stays put)."""

    def expire() -> None:
        try:
            if settings.post_copy:
                dom.migrateStartPostCopy(0)
            else:
                dom.abortJob()
        except libvirt.libvirtError:
            pass  # the job already finished

    timer = threading.Timer(settings.timeout_seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


def _downtime_ms(dom: libvirt.virDomain) -> int | None:
    try:
        stats = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
    except libvirt.libvirtError:
        return None
    value = stats.get("downtime")
    return int(value) if value is not None else None
