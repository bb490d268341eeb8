"""pydantic validation errors as lines an operator can act on: `path: message (value)`.

Shared by the stack config (`vms[1].memory: '2GB?' is not a size …`) and the components
(`VirtualMachine 'web-1': memory: …`), so both read the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from components.config.networks import NETWORK_KINDS


def error_path(loc: tuple[int | str, ...]) -> str:
    """`vms[1].memory` from pydantic's location tuple."""
    # A discriminated union puts the chosen model's tag in the path
    # (networks.lan.nat.subnet); the user wrote networks.lan.subnet.
    if len(loc) >= 3 and loc[0] == "networks" and loc[2] in NETWORK_KINDS:
        loc = loc[:2] + loc[3:]
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def error_line(error: Mapping[str, Any]) -> str:
    """One error: its path, its message, and the rejected value unless the message names it."""
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    path = error_path(tuple(error.get("loc", ())))
    if not path:
        return message
    shown = error.get("input")
    if error.get("type") == "value_error" or isinstance(shown, dict | list):
        return f"{path}: {message}"
    return f"{path}: {message} (got {shown!r})"


def error_lines(err: ValidationError) -> list[str]:
    """Every error of `err` as a line."""
    return [error_line(e) for e in err.errors()]


def component_error(kind: str, name: str, err: ValidationError) -> ValueError:
    """A construction error naming the component and each bad argument with its value."""
    return ValueError(f"{kind} {name!r}: " + "; ".join(error_lines(err)))
