"""Hypothesis strategies for the loader fuzz: any YAML value, and edits of a valid stack.

A mutation picks a path that exists in the stack (or one level below it) and puts any value
there: the wrong type, a near miss of a valid value, text with control characters, huge or
negative numbers, dates, nested lists and maps. What must hold is only that the outcome is a
config or the project's error.
"""

from __future__ import annotations

import datetime
from typing import Any

from hypothesis import strategies as st

from tests.components.config.bad_input import steps

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from("\x00\n\t:/.-@[]{}<>&'\"$`;|"),
    max_size=40,
)
NEAR_MISSES = st.sampled_from(
    [
        "",
        " ",
        "-",
        "/",
        "..",
        "\n",
        "web-1",
        "web-1\n",
        "10.70.0.0/24",
        "10.70.0.1",
        "fd00::/64",
        "52:54:00:00:00:01",
        "ff:ff:ff:ff:ff:ff",
        "qemu:///system",
        "qemu+ssh://h/system",
        "1GiB",
        "0",
        "-1GiB",
        "1e400",
        "nan",
        "gen1",
        "gen2",
        "debian",
        "lan",
        "hv1",
        "vmstore",
        "nightly",
        "root",
        "x" * 300,
        "#cloud-config\n",
        "daily at 02:00",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
    | NEAR_MISSES
    | st.dates().map(datetime.date.isoformat)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(TEXT | NEAR_MISSES, inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(value: Any, prefix: str = "") -> list[str]:
    """Every path in `value` in bad_input's spelling (`vms[0].nics[1].mac`)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, f"{prefix}[{index}]")
    return found


def mutate(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`data` with `path` set to `value` in place (the caller passes a copy)."""
    *parents, last = steps(path)
    node: Any = data
    for part in parents:
        node = node[part]
    node[last] = value
    return data
