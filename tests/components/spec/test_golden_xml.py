"""Generated XML of every example case equals its reviewed golden file."""

from __future__ import annotations

import pytest

from components.spec.xmlbind import XmlModel
from tests.components.spec.examples import CASES
from tests.components.spec.golden import GOLDEN_DIR, check_golden, golden_path


@pytest.mark.parametrize(("case", "spec"), CASES.items(), ids=list(CASES))
def test_xml_matches_golden_file(case: str, spec: XmlModel) -> None:
    check_golden(golden_path(case), spec.to_xml())


def test_every_golden_file_belongs_to_a_case() -> None:
    stale = sorted(p.stem for p in GOLDEN_DIR.glob("*.xml") if p.stem not in CASES)
    assert stale == [], f"golden files without an example case (delete them): {stale}"
