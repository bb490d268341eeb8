"""Image bytes for a volume import: a local file or an http(s) URL, streamed.

Both are read in chunks (never whole into memory) and hashed on the way, so a checksum
given in the spec is verified without a second pass over the data.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from components.providers.progress import Task
from components.spec.volume import ImageSource

CHUNK_BYTES = 4 * 1024 * 1024
_TIMEOUT_SECONDS = 60


class ImageSourceError(RuntimeError):
    """The image cannot be read, or its checksum does not match."""


@dataclass
class OpenImage:
    """A readable image with its length; `sha256` and `bytes_read` accumulate as it is read."""

    stream: BinaryIO
    length: int
    where: str
    sha256: hashlib._Hash = field(default_factory=hashlib.sha256)
    bytes_read: int = 0
    shown: Task | None = None
    """Where the bytes read are reported (the import's progress), if anywhere."""

    def read(self, size: int) -> bytes:
        """Read up to `size` bytes, hashing them."""
        data = self.stream.read(size)
        self.sha256.update(data)
        self.bytes_read += len(data)
        if self.shown is not None:
            self.shown.update(done=self.bytes_read)
        return data

    def verify(self, expected: str | None) -> None:
        """Raise when the bytes read are not the announced length or the asked-for checksum.

        The length check catches a transfer cut short: urllib returns a quiet EOF when a
        server closes the connection before Content-Length bytes, and without it a truncated
        image would be imported whenever no checksum is given.
        """
        if self.bytes_read != self.length:
            raise ImageSourceError(
                f"{self.where}: read {self.bytes_read} bytes, expected {self.length} "
                "(transfer cut short, or the image changed while it was read)"
            )
        if expected is not None and self.sha256.hexdigest() != expected.lower():
            raise ImageSourceError(
                f"{self.where}: sha256 is {self.sha256.hexdigest()}, expected {expected}"
            )


@contextmanager
def open_image(source: ImageSource) -> Iterator[OpenImage]:
    """Open the image at `source` for streaming; raise ImageSourceError if unreadable."""
    if source.path is not None:
        if not os.path.isfile(source.path):
            raise ImageSourceError(f"image file {source.path!r} does not exist")
        with open(source.path, "rb") as stream:
            yield OpenImage(stream, os.path.getsize(source.path), source.path)
        return
    assert source.url is not None
    try:
        response = urllib.request.urlopen(source.url, timeout=_TIMEOUT_SECONDS)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise ImageSourceError(f"image url {source.url!r} cannot be fetched: {err}") from err
    with response:
        length = response.headers.get("Content-Length")
        if length is None:
            raise ImageSourceError(
                f"image url {source.url!r} sends no Content-Length; serve it as a plain file"
            )
        yield OpenImage(response, int(length), source.url)
