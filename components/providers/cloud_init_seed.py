"""The CloudInitSeed dynamic provider: a VM's NoCloud seed ISO in a raw volume.

The ISO is built here, in the provider process, from the `userData`, `metaData` and
`networkConfig` inputs, and streamed into the volume with `virStorageVol.upload` (so it works
on remote hosts as on a local one). A re-seed overwrites the same volume in place: a VM that has
it attached reads the new files on its next boot. Volumes never shrink, so a smaller ISO is
padded with zeros to the volume's size; no byte of an earlier seed is left behind.

No step leaves a half-made seed: a failed create deletes the volume; a failed re-seed puts
the previous seed back. `userData` and `metaData` hold secrets: they are never put into
messages (check failures name the field, never the value), and no output but those two keys
(which the engine keeps secret, like their inputs) carries them. `contentSha256`, the hash of
the volume's bytes, is derived from them: the resource declares it a secret output.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from typing import Any, ClassVar

import libvirt
from pulumi.dynamic import CheckFailure, CheckResult

from components.providers.base import ADOPT_KEY, LibvirtProvider, Props, ProviderError
from components.providers.pool import require_pool_running
from components.providers.retry import retried
from components.providers.streams import download
from components.providers.volume import (
    find_or_create,
    pool_named,
    refuse_unseen_delete,
    volume_by_key,
)
from components.spec.changes import SEED_RULES, FieldChange
from components.spec.cloud_init_seed import CLOUD_CONFIG_HEADER, CloudInitSeedSpec
from components.spec.seed_iso import (
    SeedFiles,
    SeedIsoError,
    build_seed_iso,
    read_seed_iso,
)

CHUNK_BYTES = 1024 * 1024
MAX_SEED_BYTES = 64 * 1024 * 1024
"""Seeds are tiny (about 70 KiB); read() downloads the volume to read the seed back, so a
bigger volume is neither adopted nor downloaded."""

_UNREADABLE = SeedFiles("", "", None)


def _strings(value: Any) -> list[str]:
    """Every string inside `value` (lists and mappings included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _image(spec: CloudInitSeedSpec) -> bytes:
    return build_seed_iso(spec.user_data, spec.meta_data, spec.network_config)


def _capacity(vol: libvirt.virStorageVol) -> int:
    return int(vol.info()[1])


def _upload(conn: libvirt.virConnect, vol: libvirt.virStorageVol, data: bytes) -> None:
    """Write `data` over the start of the volume (all of it: `data` is padded to capacity)."""
    view = memoryview(data)
    sent = 0

    def source(_stream: libvirt.virStream, nbytes: int, _opaque: object) -> bytes:
        nonlocal sent
        chunk = bytes(view[sent : sent + min(nbytes, CHUNK_BYTES)])
        sent += len(chunk)
        return chunk

    stream = conn.newStream(0)
    vol.upload(stream, 0, len(data), 0)
    try:
        stream.sendAll(source, None)
        stream.finish()
    except BaseException:
        with contextlib.suppress(libvirt.libvirtError):
            stream.abort()
        raise


def _seed(conn: libvirt.virConnect, vol: libvirt.virStorageVol, image: bytes) -> bytes:
    """Grow the volume to the image if needed, write the image padded with zeros to the
    volume's size, and return the volume's new bytes."""
    if _capacity(vol) < len(image):
        vol.resize(len(image), 0)
    data = image.ljust(_capacity(vol), b"\0")
    _upload(conn, vol, data)
    return data


def _our_seed(conn: libvirt.virConnect, vol: libvirt.virStorageVol, image: bytes) -> bool:
    """True when the volume holds this seed, or the start of it followed by zeros (an
    interrupted run's upload cut short): then it is re-seeded and taken over."""
    if _capacity(vol) != len(image):
        return False
    data = download(conn, vol, len(image)).rstrip(b"\0")
    return image.startswith(data)


class CloudInitSeedProvider(LibvirtProvider[CloudInitSeedSpec]):
    """CRUD for cloud-init seed volumes described by CloudInitSeedSpec."""

    spec_type = CloudInitSeedSpec
    rules = SEED_RULES
    kind = "cloud-init seed"
    computed_keys = ("key", "path", "capacityBytes", "contentSha256")
    secret_inputs: ClassVar[tuple[str, ...]] = ("userData", "metaData")
    """Inputs that carry secrets: the resource registers them as Pulumi secrets."""
    secret_outputs: ClassVar[tuple[str, ...]] = ("contentSha256",)
    """Computed outputs derived from the secrets: the resource marks them secret."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """The shared checks, with every failure about a secret input stripped of its value;
        `capacityBytes` is refused as an input (it is the ISO's size, set here)."""
        result = super().check(olds, news)
        failures = [self._without_secrets(f, news) for f in result.failures or []]
        if news.get("capacityBytes") is not None:
            failures.append(
                CheckFailure(
                    "capacityBytes", "capacityBytes is set from the seed ISO's size; leave it out"
                )
            )
        return CheckResult(result.inputs, failures)

    def check_change(
        self, olds: Mapping[str, Any], spec: CloudInitSeedSpec
    ) -> list[tuple[str, str]]:
        """What cloud-init needs of the files: a `#cloud-config` user-data and an instance-id."""
        problems = []
        if spec.user_data.split("\n", 1)[0].rstrip() != CLOUD_CONFIG_HEADER:
            problems.append(
                ("userData", f"userData: must start with the line {CLOUD_CONFIG_HEADER!r}")
            )
        if "instance-id:" not in spec.meta_data:
            problems.append(
                (
                    "metaData",
                    "metaData: must set instance-id (cloud-init needs it to tell instances apart)",
                )
            )
        return problems

    def _without_secrets(self, failure: CheckFailure, news: Mapping[str, Any]) -> CheckFailure:
        """`failure` without the value of a secret input: the shown value of a failure about
        one is cut off, and a reason quoting any line of one is replaced whole."""
        reason = failure.reason
        if failure.property in self.secret_inputs:
            reason = reason.split(" (got ", 1)[0]
        if any(f in reason for f in self._secret_fragments(news)):
            reason = f"{failure.property}: invalid (the value is secret, so it is not shown)"
        return CheckFailure(failure.property, reason)

    def _secret_fragments(self, news: Mapping[str, Any]) -> set[str]:
        fragments: set[str] = set()
        for text in (s for key in self.secret_inputs for s in _strings(news.get(key))):
            lines = {line.strip() for line in text.splitlines()} - {CLOUD_CONFIG_HEADER}
            fragments |= {text, repr(text)} | {line for line in lines if len(line) >= 8}
        return fragments

    def create_object(
        self, conn: libvirt.virConnect, spec: CloudInitSeedSpec, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        pool = pool_named(conn, spec.pool)
        image = _image(spec)
        capacity = len(image)
        vol, created = find_or_create(
            pool,
            spec.name,
            lambda: pool.createXML(
                spec.model_copy(update={"capacity_bytes": capacity}).to_xml(), 0
            ),
        )
        if not created:
            if not props.get(ADOPT_KEY) and not _our_seed(conn, vol, image):
                raise ProviderError(
                    f"a volume named {spec.name!r} already exists in pool {spec.pool!r} on "
                    f"{conn.getURI()} and does not hold this seed; set adopt: true to make it "
                    "this VM's seed, or choose another name"
                )
            if _capacity(vol) > MAX_SEED_BYTES:
                raise ProviderError(
                    f"volume {spec.name!r} in pool {spec.pool!r} is {_capacity(vol)} bytes; a seed "
                    f"volume is at most {MAX_SEED_BYTES}: delete it or choose another name"
                )
            return vol.key(), self._computed(vol, _seed(conn, vol, image))
        try:
            data = _seed(conn, vol, image)
        except BaseException:
            retried(lambda: vol.delete(0))
            raise
        return vol.key(), self._computed(vol, data)

    @staticmethod
    def _computed(vol: libvirt.virStorageVol, data: bytes | None) -> Props:
        """Where the volume is, its size, and the sha256 of its bytes (`data`; None: unread)."""
        return {
            "key": vol.key(),
            "path": vol.path(),
            "capacityBytes": _capacity(vol),
            "contentSha256": None if data is None else hashlib.sha256(data).hexdigest(),
        }

    def read_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        desired: CloudInitSeedSpec,
        props: Mapping[str, Any],
    ) -> tuple[CloudInitSeedSpec, Props] | None:
        """The seed as the volume holds it: its files read back from the ISO (empty when the
        volume no longer holds a seed, so that a refresh shows the drift and `up` re-seeds)."""
        vol = volume_by_key(conn, id_)
        if vol is None:
            require_pool_running(conn, desired.pool)
            return None
        capacity = _capacity(vol)
        data = download(conn, vol, capacity) if capacity <= MAX_SEED_BYTES else None
        try:
            files = _UNREADABLE if data is None else read_seed_iso(data)
        except SeedIsoError:
            files = _UNREADABLE
        live = desired.model_copy(
            update={
                "name": vol.name(),
                "user_data": files.user_data,
                "meta_data": files.meta_data,
                "network_config": files.network_config,
            }
        )
        return live, self._computed(vol, data)

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: CloudInitSeedSpec,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        """Re-seed the volume; on failure, put the previous seed back and say so."""
        vol = volume_by_key(conn, id_)
        if vol is None:
            raise ProviderError(f"cloud-init seed {spec.name!r} ({id_}) no longer exists; refresh")
        try:
            data = _seed(conn, vol, _image(spec))
        except Exception as err:
            raise self._restore(conn, vol, olds, err) from err
        return self._computed(vol, data)

    def _restore(
        self,
        conn: libvirt.virConnect,
        vol: libvirt.virStorageVol,
        olds: Mapping[str, Any],
        err: Exception,
    ) -> ProviderError:
        """Write the previous seed back after a failed re-seed; the error to raise."""
        label = self.label(olds)
        try:
            _seed(conn, vol, _image(self.spec_of(olds)))
        except Exception as restore_err:
            return ProviderError(
                f"re-seeding {label} failed ({err}), and so did putting the previous seed back "
                f"({restore_err}); the volume holds no valid seed: run refresh, then up"
            )
        return ProviderError(f"re-seeding {label} failed ({err}); the previous seed is back")

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        vol = volume_by_key(conn, id_)
        if vol is None:
            refuse_unseen_delete(conn, str(props.get("pool")), self.label(props))
        else:
            retried(lambda: vol.delete(0))
