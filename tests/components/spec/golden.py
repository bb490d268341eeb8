"""Golden-file comparison: generated XML must equal a reviewed file under `golden/`.

A change to generated XML shows up as a diff in review instead of slipping through.
Regenerate deliberately with `UPDATE_GOLDEN=1 pytest tests/components/spec`, then read the
diff before committing: the updated file is the new truth.
"""

from __future__ import annotations

import difflib
import os
import warnings
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_ENV = "UPDATE_GOLDEN"


class GoldenFileUpdated(UserWarning):
    """A golden file was (re)written because UPDATE_GOLDEN=1; review its diff."""


def golden_path(case: str) -> Path:
    """The golden file of an example case."""
    return GOLDEN_DIR / f"{case}.xml"


def check_golden(path: Path, actual: str) -> None:
    """Fail unless `actual` equals the golden file at `path` (or rewrite it when asked)."""
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
        warnings.warn(GoldenFileUpdated(f"wrote {path}; review the diff"), stacklevel=2)
        return
    if not path.exists():
        pytest.fail(
            f"golden file {path} is missing; create it with "
            f"`{UPDATE_ENV}=1 pytest tests/components/spec`, then read it to check it is right",
            pytrace=False,
        )
    expected = path.read_text()
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=str(path),
                tofile="generated",
            )
        )
        pytest.fail(
            f"generated XML differs from {path}:\n{diff}\n"
            f"if the change is intended, rerun with {UPDATE_ENV}=1 and review the diff",
            pytrace=False,
        )
