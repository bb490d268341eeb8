"""Where imported image bytes come from: local files and http URLs, length and checksum."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from components.providers.image_source import (
    CHUNK_BYTES,
    ImageSourceError,
    OpenImage,
    open_image,
)
from components.spec.volume import ImageSource
from tests.components.providers.http_images import Route, serve_images

DATA = bytes(range(256)) * 4096  # 1 MiB, not all one byte value


def read_all(image: OpenImage) -> bytes:
    chunks = []
    while chunk := image.read(CHUNK_BYTES):
        chunks.append(chunk)
    return b"".join(chunks)


def test_local_file_is_streamed_with_its_length_and_checksum(tmp_path: Path) -> None:
    path = tmp_path / "img.raw"
    path.write_bytes(DATA)
    with open_image(ImageSource(path=str(path))) as image:
        assert image.length == len(DATA)
        assert read_all(image) == DATA
        image.verify(hashlib.sha256(DATA).hexdigest().upper())  # case does not matter
        with pytest.raises(ImageSourceError, match=r"sha256 is [0-9a-f]{64}, expected 0{64}"):
            image.verify("0" * 64)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.qcow2"
    with (
        pytest.raises(ImageSourceError, match=rf"image file '{missing}' does not exist"),
        open_image(ImageSource(path=str(missing))),
    ):
        pass


def test_short_read_is_an_error_even_without_checksum() -> None:
    image = OpenImage(io.BytesIO(DATA[:1000]), len(DATA), "http://mirror/img")
    assert read_all(image) == DATA[:1000]
    with pytest.raises(ImageSourceError, match=rf"read 1000 bytes, expected {len(DATA)}"):
        image.verify(None)


def test_url_is_streamed_and_checked() -> None:
    with serve_images() as server:
        server.routes["/img"] = Route(DATA)
        with open_image(ImageSource(url=server.url("img"))) as image:
            assert image.length == len(DATA)
            assert read_all(image) == DATA
            image.verify(hashlib.sha256(DATA).hexdigest())


def test_url_cut_short_is_detected() -> None:
    with serve_images() as server:
        server.routes["/img"] = Route(DATA, "truncated")
        with open_image(ImageSource(url=server.url("img"))) as image:
            assert len(read_all(image)) == len(DATA) // 2  # urllib does not complain...
            with pytest.raises(ImageSourceError, match="transfer cut short"):
                image.verify(None)  # ...so we must


def test_url_without_length_or_missing_is_refused() -> None:
    with serve_images() as server:
        server.routes["/img"] = Route(DATA, "no-length")
        with (
            pytest.raises(ImageSourceError, match="sends no Content-Length"),
            open_image(ImageSource(url=server.url("img"))),
        ):
            pass
        with (
            pytest.raises(ImageSourceError, match=r"cannot be fetched: HTTP Error 404"),
            open_image(ImageSource(url=server.url("missing"))),
        ):
            pass
