"""The golden-file helper itself: missing files fail, mismatches diff, UPDATE_GOLDEN writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.components.spec.golden import UPDATE_ENV, GoldenFileUpdated, check_golden


@pytest.fixture(autouse=True)
def _no_update(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPDATE_ENV, raising=False)


def test_missing_golden_file_fails_saying_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=f"{UPDATE_ENV}=1"):
        check_golden(tmp_path / "absent.xml", "<a/>\n")


def test_different_xml_fails_with_a_diff(tmp_path: Path) -> None:
    path = tmp_path / "case.xml"
    path.write_text("<a>\n  <b/>\n</a>\n")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)-  <b/>.*\+  <c/>"):
        check_golden(path, "<a>\n  <c/>\n</a>\n")


def test_equal_xml_passes(tmp_path: Path) -> None:
    path = tmp_path / "case.xml"
    path.write_text("<a/>\n")
    check_golden(path, "<a/>\n")


def test_update_flag_writes_the_file_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(UPDATE_ENV, "1")
    path = tmp_path / "golden" / "new.xml"
    with pytest.warns(GoldenFileUpdated, match="review the diff"):
        check_golden(path, "<new/>\n")
    assert path.read_text() == "<new/>\n"
