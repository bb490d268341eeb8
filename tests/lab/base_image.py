"""Small disk image files for tests, standing in for the base images the product imports."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from tests.lab.prerequisites import LAB_PROGRAMS, require_programs


def make_base_image(
    path: Path,
    *,
    size_mib: int = 64,
    marker: str | None = None,
    image_format: str = "qcow2",
) -> Path:
    """Create a sparse image at `path` and return `path`.

    With `marker`, the image starts with `marker` + newline, so a tiny guest booted on it
    (or on a copy-on-write volume backed by it) prints `GUEST-READ <marker>` with
    `guest.read=/dev/vda`: proof that the guest really sees the base image's data.
    """
    tools = require_programs(
        {name: LAB_PROGRAMS[name] for name in ("qemu-img", "qemu-io")}, "make_base_image"
    )
    _run([tools["qemu-img"], "create", "-q", "-f", image_format, str(path), f"{size_mib}M"])
    if marker is not None:
        data = (marker + "\n").encode()
        with tempfile.NamedTemporaryFile(prefix="marker-") as source:
            source.write(data)
            source.flush()
            _run([
                tools["qemu-io"], "-f", image_format,
                "-c", f"write -s {source.name} 0 {len(data)}", str(path),
            ])  # fmt: skip
    return path


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed ({done.returncode}): {done.stderr.strip()}")
