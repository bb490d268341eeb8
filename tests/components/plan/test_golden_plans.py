"""The offline plans of the dev and prod stacks, compared with reviewed golden files.

A change to what either stack would apply shows up here as a diff. Regenerate deliberately
with `UPDATE_GOLDEN=1 pytest tests/components/plan`, then read the diff before committing.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from components.plan.cli import run
from tests.components.spec.golden import check_golden

GOLDEN = Path(__file__).parent / "golden"
REPO = Path(__file__).resolve().parents[3]

CASES = {
    "dev.txt": ["--stack", "dev", "--policy"],
    "prod.txt": ["--stack", "prod", "--policy"],
    "prod.json": ["--stack", "prod", "--format", "json", "--xml", "--policy"],
}


def _plan(args: list[str]) -> str:
    out = io.StringIO()
    assert run(["--project-dir", str(REPO), *args], out=out) == 0
    return out.getvalue()


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_matches_its_golden_file(case):
    check_golden(GOLDEN / case, _plan(CASES[case]))


def test_same_input_gives_byte_identical_output_across_processes():
    command = [sys.executable, "-m", "components.plan", *CASES["prod.json"]]
    first = subprocess.run(command, cwd=REPO, capture_output=True, check=True).stdout
    second = subprocess.run(command, cwd=REPO, capture_output=True, check=True).stdout
    assert first == second
    assert first == _plan(CASES["prod.json"]).encode()
