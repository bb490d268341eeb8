"""The rules that recognise what an interrupted run left: an import's bytes compared with
its image (same, cut short, other), and live drift shown where the saved definition is fine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import libvirt
import pytest

from components.providers.drift import with_live_drift
from components.providers.takeover import Found, classify_import, owned_by_this_resource
from components.spec.domain import DomainSpec
from components.spec.ownership import Ownership

IMAGE = bytes(range(256)) * 64  # 16 KiB, no zero runs to hide a cut


class _Stream:
    def __init__(self, data: bytes, chunk: int) -> None:
        self.data, self.chunk = data, chunk

    def recvAll(self, sink: Callable[[Any, bytes, Any], int], opaque: Any) -> None:
        for start in range(0, len(self.data), self.chunk):
            sink(self, self.data[start : start + self.chunk], opaque)

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        pass


class _Volume:
    """A volume whose file holds `data` (what libvirt's download would stream)."""

    def __init__(self, data: bytes, chunk: int = 1000) -> None:
        self.data, self.chunk = data, chunk
        self.stream: _Stream | None = None

    def infoFlags(self, flags: int) -> list[int]:
        assert flags == libvirt.VIR_STORAGE_VOL_GET_PHYSICAL
        return [0, 64 * 1024 * 1024, len(self.data)]

    def download(self, stream: _Stream, offset: int, length: int, flags: int) -> None:
        stream.data = self.data[offset : offset + length]


class _Conn:
    def __init__(self, chunk: int) -> None:
        self.chunk = chunk

    def newStream(self, flags: int) -> _Stream:
        return _Stream(b"", self.chunk)


def _chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    return iter([data[i : i + size] for i in range(0, len(data), size)])


@pytest.mark.parametrize("chunk", [1000, 4096, 7777])
@pytest.mark.parametrize(
    ("held", "verdict"),
    [
        (IMAGE, Found.SAME),
        (IMAGE[:5000] + bytes(len(IMAGE) - 5000), Found.PARTIAL),
        (bytes(len(IMAGE)), Found.PARTIAL),
        (IMAGE[:5000] + b"\x01" + bytes(len(IMAGE) - 5001), Found.OTHER),
        (b"\xff" + IMAGE[1:], Found.OTHER),
        (IMAGE[:-1], Found.OTHER),
    ],
    ids=["whole", "cut-short", "nothing-yet", "other-after-the-cut", "other", "shorter"],
)
def test_an_import_is_recognised_by_its_bytes(held: bytes, verdict: Found, chunk: int) -> None:
    vol, conn = _Volume(held), _Conn(chunk)
    assert classify_import(conn, vol, _chunks(IMAGE), len(IMAGE)) is verdict  # type: ignore[arg-type]


def test_only_this_resources_tag_is_ours() -> None:
    tag = Ownership(project="kvm-estate", stack="dev", name="web-1")
    assert owned_by_this_resource(tag, tag.model_copy())
    assert not owned_by_this_resource(tag.model_copy(update={"name": "web-2"}), tag)
    assert not owned_by_this_resource(tag.model_copy(update={"stack": "prod"}), tag)
    assert not owned_by_this_resource(None, tag)


def _domain(memory: int, vcpus: int = 1) -> DomainSpec:
    return DomainSpec(name="vm", memory_mib=memory, max_memory_mib=1024, vcpus=vcpus, max_vcpus=2)


def test_live_drift_shows_where_the_saved_definition_is_as_desired() -> None:
    desired = _domain(512)
    shown = with_live_drift(_domain(512), _domain(384, 2), desired, ("memory_mib", "vcpus"))
    assert (shown.memory_mib, shown.vcpus) == (384, 2)
    saved_drift = with_live_drift(_domain(256), _domain(384), desired, ("memory_mib",))
    assert saved_drift.memory_mib == 256, "the saved definition's drift is reported first"
    assert with_live_drift(desired, desired, desired, ("memory_mib",)) is desired
