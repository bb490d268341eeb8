"""Values the plan shows but cannot (or must not) know: secrets and values known after apply.

Both are singletons that print as Pulumi prints them, so a plan never holds a secret's
plaintext and never invents a value libvirt computes at apply (a UUID, a volume's path).
The policy rules use them too: a secret password is *set*; an unknown value is not judged.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any


class Opaque(enum.Enum):
    """A value the plan does not show."""

    SECRET = "[secret]"
    UNKNOWN = "(known after apply)"

    def __str__(self) -> str:
        return self.value


SECRET = Opaque.SECRET
UNKNOWN = Opaque.UNKNOWN

MASK = "********"
"""What a secret is written as where a value must stand (the plan's libvirt XML)."""
_FINGERPRINTED = re.compile(r"\[secret:([0-9a-f]{16})\]")


@dataclass(frozen=True)
class Secret:
    """A secret in a plan diff: shown as `[secret]`; `fingerprint` is a keyed hash with a key
    used for one diff only, so two plans' secrets compare equal exactly when the values do."""

    fingerprint: str

    def __str__(self) -> str:
        return SECRET.value


def is_secret(value: Any) -> bool:
    """A secret of the plan, fingerprinted or not."""
    return value is SECRET or isinstance(value, Secret)


def masked(value: Any) -> Any:
    """`value` with every secret replaced by MASK (for text that must hold a value)."""
    if is_secret(value):
        return MASK
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def contains(value: Any, marker: Opaque) -> bool:
    """True when `value` is `marker` or holds it somewhere inside (any secret for SECRET)."""
    if value is marker or (marker is SECRET and isinstance(value, Secret)):
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
    if isinstance(value, Secret):
        return SECRET.value
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(value: Any) -> Any:
    """The inverse of `to_json`: the markers' texts become markers again."""
    if isinstance(value, str):
        fingerprinted = _FINGERPRINTED.fullmatch(value)
        if fingerprinted:
            return Secret(fingerprinted.group(1))
        for marker in Opaque:
            if value == marker.value:
                return marker
        return value
    if isinstance(value, dict):
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value
