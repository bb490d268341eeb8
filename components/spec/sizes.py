"""Sizes as operators write them ("2GiB", "2048MiB", 512) turned into exact byte counts.

One parser for config and components so "vms[1].memory: '2GB?' is not a size" reads the
same wherever it is raised.
"""

from __future__ import annotations

import re
from fractions import Fraction

KIB = 1024
MIB = 1024**2
GIB = 1024**3
TIB = 1024**4

_UNITS: dict[str, int] = {
    "b": 1,
    "": 1,
    "bytes": 1,
    "k": KIB,
    "kib": KIB,
    "kb": 1000,
    "m": MIB,
    "mib": MIB,
    "mb": 1000**2,
    "g": GIB,
    "gib": GIB,
    "gb": 1000**3,
    "t": TIB,
    "tib": TIB,
    "tb": 1000**4,
}

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")

SIZE_HINT = "use e.g. 10GiB, 512MiB or a whole number of bytes"
MIB_HINT = "use e.g. 2GiB or 2048MiB (plain numbers are MiB)"


def parse_size(value: object, *, default_unit: str = "b", hint: str = SIZE_HINT) -> int:
    """Return the size in bytes; raise ValueError naming the value when it is not a size.

    Plain integers are counted in `default_unit` (bytes unless the caller says otherwise).
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size; {hint}")
    if isinstance(value, int):
        number, unit = Fraction(value), default_unit
    elif isinstance(value, str):
        match = _SIZE_RE.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not a size; {hint}")
        number, unit = Fraction(match.group(1)), match.group(2) or default_unit
    else:
        raise ValueError(f"{value!r} is not a size; {hint}")
    factor = _UNITS.get(unit.lower())
    if factor is None:
        raise ValueError(f"{value!r} has an unknown unit {unit!r}; {hint}")
    size = number * factor  # exact: floats turn 2.01MB into 2010000.0000000002 bytes
    if size <= 0 or size.denominator != 1:
        raise ValueError(f"{value!r} is not a positive size; {hint}")
    return int(size)


def parse_mib(value: object) -> int:
    """Return a size in MiB (plain integers are MiB), refusing sizes that are not whole MiB."""
    size = parse_size(value, default_unit="mib", hint=MIB_HINT)
    if size % MIB:
        raise ValueError(f"{value!r} is not a whole number of MiB")
    return size // MIB


def format_size(size_bytes: int) -> str:
    """Render bytes in the largest binary unit that divides them exactly ("2 GiB")."""
    for unit, factor in (("TiB", TIB), ("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size_bytes >= factor and size_bytes % factor == 0:
            return f"{size_bytes // factor} {unit}"
    return f"{size_bytes} B"
