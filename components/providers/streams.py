"""Reading a volume's bytes through libvirt streams, which work over any connection
(`qemu+ssh` included), where opening the file would need a shell on the host."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import libvirt

Sink = Callable[[libvirt.virStream, bytes, object], int]
"""libvirt's `recvAll` callback: take one chunk, return how many bytes were taken."""


def download_into(
    conn: libvirt.virConnect, vol: libvirt.virStorageVol, length: int, sink: Sink
) -> None:
    """Stream the first `length` bytes of `vol` into `sink`; the stream is aborted on any
    failure, so libvirt holds no job on the volume afterwards."""
    stream = conn.newStream(0)
    vol.download(stream, 0, length, 0)
    try:
        stream.recvAll(sink, None)
        stream.finish()
    except BaseException:
        with contextlib.suppress(libvirt.libvirtError):
            stream.abort()
        raise


def download(conn: libvirt.virConnect, vol: libvirt.virStorageVol, length: int) -> bytes:
    """The first `length` bytes of `vol`."""
    chunks: list[bytes] = []

    def sink(_stream: libvirt.virStream, data: bytes, _opaque: object) -> int:
        chunks.append(data)
        return len(data)

    download_into(conn, vol, length, sink)
    return b"".join(chunks)
