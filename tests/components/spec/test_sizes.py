"""Sizes as operators write them, and the refusals that name the bad value."""

from __future__ import annotations

import re

import pytest

from components.spec.sizes import GIB, KIB, MIB, TIB, format_size, parse_mib, parse_size


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("2GiB", 2 * GIB),
        ("2048MiB", 2048 * MIB),
        ("1.5GiB", 3 * GIB // 2),
        ("4k", 4 * KIB),
        ("1TiB", TIB),
        ("10GB", 10 * 1000**3),
        ("2.01MB", 2_010_000),
        (" 512 MiB ", 512 * MIB),
        ("4096", 4096),
        (4096, 4096),
    ],
)
def test_parse_size_in_bytes(text: object, size: int) -> None:
    assert parse_size(text) == size


def test_large_byte_counts_stay_exact() -> None:
    assert parse_size(2**60 + 1) == 2**60 + 1
    assert parse_size(f"{2**60 + 1}") == 2**60 + 1


@pytest.mark.parametrize(
    ("value", "mib"),
    [("2GiB", 2048), ("2048MiB", 2048), (512, 512), ("512", 512), ("1.5GiB", 1536)],
)
def test_parse_mib_counts_plain_numbers_as_mib(value: object, mib: int) -> None:
    assert parse_mib(value) == mib


@pytest.mark.parametrize(
    "value", ["2GB?", -1, 0, "", True, False, "abc", "1.5", "-2GiB", "2 GiBs", None, 1.5, "0MiB"]
)
def test_parse_size_refuses_naming_the_value(value: object) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        parse_size(value)


@pytest.mark.parametrize("value", ["1.5MiB", "1000KiB", "2GB", "1.5", 0, True])
def test_parse_mib_refuses_what_is_not_whole_mib(value: object) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        parse_mib(value)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (2 * GIB, "2 GiB"),
        (1536 * MIB, "1536 MiB"),
        (3 * TIB, "3 TiB"),
        (4 * KIB, "4 KiB"),
        (1000, "1000 B"),
    ],
)
def test_format_size_uses_the_largest_exact_unit(size: int, text: str) -> None:
    assert format_size(size) == text
