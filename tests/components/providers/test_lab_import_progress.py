"""An image import on a real libvirtd reports its progress from the stream: bytes, percent,
first and last line, as a provider process under `pulumi up` prints them (plain lines)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from components import progress
from components.providers.volume import VolumeProvider
from tests.components.providers.lab_support import cleaned
from tests.components.providers.test_lab_storage import make_pool
from tests.components.providers.wire import Engine, volume_inputs
from tests.lab import LabHost


def test_import_reports_bytes_and_percent_from_the_stream(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = io.StringIO()
    monkeypatch.setattr(progress, "reporter", lambda: progress.PlainReporter(shown, interval=0))
    image = lab_scratch / "src.img"  # raw, 24 MiB of data, streamed in many chunks
    image.write_bytes(os.urandom(24 * 1024**2))
    length = image.stat().st_size
    pool, name = f"{name_prefix}pool", f"{name_prefix}img.raw"
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        engine = Engine(VolumeProvider())
        engine.delete(
            engine.create(
                volume_inputs(lab_host.uri, pool, name, format="raw", source={"path": str(image)})
            )
        )
    lines = shown.getvalue().splitlines()
    what = f"importing {image} into {name}"
    assert lines[0] == f"{what}: 0 B of {progress.amount(length, 'bytes')} (0%)"
    assert re.fullmatch(rf"{re.escape(what)}: .* \(100%\).*, done in \d+ s", lines[-1])
    percents = [int(m.group(1)) for m in (re.search(r"\((\d+)%\)", line) for line in lines) if m]
    assert percents == sorted(percents)
    assert len(set(percents)) > 10 and percents[-1] == 100  # it moved as the bytes went
