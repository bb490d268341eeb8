"""Values the plan shows but cannot (or must not) know: secrets and values known after apply.

Both are singletons that print as Pulumi prints them, so a plan never holds a secret's
plaintext and never invents a value libvirt computes at apply (a UUID, a volume's path).
The policy rules use them too: a secret password is *set*; an unknown value is not judged.
"""

from __future__ import annotations

import enum
from typing import Any


class Opaque(enum.Enum):
    """A value the plan does not show."""

    SECRET = "[secret]"
    UNKNOWN = "(known after apply)"

    def __str__(self) -> str:
        return self.value


SECRET = Opaque.SECRET
UNKNOWN = Opaque.UNKNOWN


def contains(value: Any, marker: Opaque) -> bool:
    """True when `value` is `marker` or holds it somewhere inside."""
    if value is marker:
        return True
    if isinstance(value, dict):
        return any(contains(v, marker) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains(v, marker) for v in value)
    return False


def is_unknown(value: Any) -> bool:
    """True when `value` (or anything inside it) is only known after apply."""
    return contains(value, UNKNOWN)


def to_json(value: Any) -> Any:
    """`value` with opaque markers replaced by their text (for JSON output and comparison)."""
    if isinstance(value, Opaque):
        return value.value
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(value: Any) -> Any:
    """The inverse of `to_json`: the markers' texts become markers again."""
    if isinstance(value, str):
        for marker in Opaque:
            if value == marker.value:
                return marker
        return value
    if isinstance(value, dict):
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value
