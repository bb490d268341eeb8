"""An image import on a real libvirtd reports its progress from the stream — bytes, percent,
first and last line — in plain lines on stderr when stderr is not a terminal, as in the
provider process `pulumi up` runs (the CLI shows that stderr as info lines)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from components.providers import progress
from tests.components.providers.lab_support import cleaned
from tests.components.providers.test_lab_storage import make_pool
from tests.lab import LabHost

REPO = Path(__file__).resolve().parents[3]

IMPORT = """
import sys
from tests.components.providers.wire import Engine, volume_inputs
from components.providers.volume import VolumeProvider
uri, pool, name, image = sys.argv[1:]
engine = Engine(VolumeProvider())
engine.delete(engine.create(volume_inputs(uri, pool, name, format="raw", source={"path": image})))
"""


def test_import_reports_bytes_and_percent_in_plain_lines_off_a_terminal(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    image = lab_scratch / "src.img"  # raw, 24 MiB of data, streamed in many chunks
    image.write_bytes(os.urandom(24 * 1024**2))
    length = image.stat().st_size
    pool, name = f"{name_prefix}pool", f"{name_prefix}img.raw"
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        child = subprocess.run(
            [sys.executable, "-c", IMPORT, lab_host.uri, pool, name, str(image)],
            cwd=REPO,
            env={**os.environ, "KVM_PROGRESS_INTERVAL": "0"},  # every update: a line
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    assert child.returncode == 0, child.stderr
    assert "\x1b" not in child.stderr, "no live display (cursor codes) off a terminal"
    what = f"importing {image} into {name}"
    lines = [line for line in child.stderr.splitlines() if line.startswith(what)]
    assert lines[0] == f"{what}: 0 B of {progress.amount(length, 'bytes')} (0%)"
    assert re.fullmatch(rf"{re.escape(what)}: .* \(100%\).*, done in \d+ s", lines[-1])
    percents = [int(m.group(1)) for m in (re.search(r"\((\d+)%\)", line) for line in lines) if m]
    assert percents == sorted(percents)
    assert len(set(percents)) > 10 and percents[-1] == 100  # it moved as the bytes went
