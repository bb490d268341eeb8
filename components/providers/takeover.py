"""Crash recovery: what a create does when an object of the same name is already there.

A `pulumi up` can die between making a libvirt object and saving it in the state (killed,
libvirtd restarted, host lost). The next run creates the resource again and meets the object
the interrupted run made. These rules recognise it, so the rerun converges with no manual
step, without ever taking over (or deleting) what someone else made:

- a domain or network is ours when it carries this very resource's ownership tag (same
  project, stack and resource name); it is taken over as `adopt: true` would;
- a declared snapshot is ours when it carries the `declared` tag;
- a volume has no metadata: it is recognised by what it must hold. An import is compared
  byte for byte with its image: equal, it is taken over; a prefix of the image followed by
  zeros (an upload cut short into the zero-filled volume we made) is deleted and imported
  again, so a truncated image is never used. A clone or empty volume is taken over when
  format, size and backing file match and no domain uses it.

Anything else keeps the old refusal: set `adopt: true`, or choose another name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

import libvirt

from components.providers import plugin_log
from components.providers.base import ProviderError
from components.providers.streams import download_into
from components.spec.ownership import Ownership


class Found(Enum):
    """What an existing volume of the wanted name is, for an import."""

    SAME = "holds the image"
    PARTIAL = "holds a cut-short upload of the image"
    OTHER = "holds something else"


def owned_by_this_resource(live: Ownership | None, expected: Ownership | None) -> bool:
    """True when the live object's tag names this very resource (project, stack, name)."""
    return live is not None and expected is not None and live == expected


def refuse_existing(kind: str, name: str, where: str, extra: str = "") -> ProviderError:
    """The error for an existing object that is not recognisably ours."""
    return ProviderError(
        f"a {kind} named {name!r} already exists{where}; it is not one this stack made "
        f"{extra}(set adopt: true to manage it with this stack, or choose another name)"
    )


def announce(kind: str, name: str, uri: str) -> None:
    """Tell the operator a leftover of an interrupted run was taken over."""
    plugin_log.info(f"{kind} {name} on {uri}: taking over the one an interrupted run made")


@dataclass
class _Compare:
    """Streams the volume's bytes and compares them with the image's, chunk by chunk."""

    offset: int = 0
    verdict: Found = Found.SAME
    zeros_from: int | None = None


def classify_import(
    conn: libvirt.virConnect, vol: libvirt.virStorageVol, chunks: Iterator[bytes], length: int
) -> Found:
    """Compare `vol`'s first `length` bytes with the image `chunks` (of `length` bytes).

    SAME: byte-identical and exactly `length` bytes long. PARTIAL: the same size, and its
    bytes are the image's up to some point and zeros after it (our zero-filled placeholder
    with the upload cut short). OTHER: anything else.
    """
    if _physical(vol) != length:
        return Found.OTHER
    state = _Compare()
    source = _ChunkSource(chunks)

    def sink(_stream: libvirt.virStream, data: bytes, _opaque: object) -> int:
        expected = source.take(len(data))
        if state.verdict is Found.OTHER:
            return len(data)
        if state.zeros_from is None and data != expected:
            split = _common_prefix(data, expected)
            state.zeros_from = state.offset + split
            data = data[split:]
        if state.zeros_from is not None and data.strip(b"\0"):
            state.verdict = Found.OTHER
        state.offset += len(data)
        return len(data)

    download_into(conn, vol, length, sink)
    if state.verdict is Found.OTHER:
        return Found.OTHER
    return Found.SAME if state.zeros_from is None else Found.PARTIAL


def _common_prefix(a: bytes, b: bytes) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


class _ChunkSource:
    """Re-chunks the image to the sizes the download delivers."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def take(self, size: int) -> bytes:
        while len(self._buffer) < size:
            nxt = next(self._chunks, b"")
            if not nxt:
                break
            self._buffer += nxt
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def _physical(vol: libvirt.virStorageVol) -> int:
    """The file's size on disk (for a qcow2 volume, not the guest-visible capacity)."""
    return int(vol.infoFlags(libvirt.VIR_STORAGE_VOL_GET_PHYSICAL)[2])
