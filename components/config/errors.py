"""pydantic validation errors as lines an operator can act on: `path: message (value)`.

Shared by the stack config (`vms[1].memory: '2GB?' is not a size …`) and the components
(`VirtualMachine 'web-1': memory: …`), so both read the same. Paths are the operator's
(`networks.lan.forwarders[0]`), without pydantic's internal steps (union members, validator
kinds); a secret field's value is never shown, only the field and why it was refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from components.config.networks import NETWORK_KINDS
from components.spec.errors import InputError, is_secret_path, shown

_INTERNAL_STEP = re.compile(r"[\[\](),]|^(str|int|float|bool|list|dict|none|tuple|set)$")
"""Location parts pydantic adds for its own steps (`lax-or-strict[…]`, `function-after[…]`,
the member of a union it tried): never a field or key an operator wrote."""


_RELATIVE_PATH = re.compile(r"[A-Za-z]\w*(\[\d+\])*(\.[A-Za-z]\w*(\[\d+\])*)*: ")
"""A message that starts with a field path of the model that raised it."""


class ComponentArgumentError(InputError):
    """A component (KvmHost, VmTemplate, VirtualMachine, Nic …) was given a bad argument."""


def readable_path(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The location without pydantic's internal steps and network kind tags."""
    parts = tuple(p for p in loc if isinstance(p, int) or not _INTERNAL_STEP.search(p))
    # A discriminated union puts the chosen model's tag in the path
    # (networks.lan.nat.subnet); the user wrote networks.lan.subnet.
    if len(parts) >= 3 and parts[0] == "networks" and parts[2] in NETWORK_KINDS:
        parts = parts[:2] + parts[3:]
    return parts


def error_path(loc: tuple[int | str, ...]) -> str:
    """`vms[1].memory` from pydantic's location tuple."""
    text = ""
    for part in readable_path(loc):
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def error_line(error: Mapping[str, Any]) -> str:
    """One error: its path, its message, and the rejected value unless the message names it
    or the field is a secret."""
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    loc = tuple(error.get("loc", ()))
    path = error_path(loc)
    if not path:
        return message
    if is_secret_path(readable_path(loc)):
        return f"{path}: {message} (value not shown: it is a secret)"
    if error.get("type") == "value_error":
        relative = _RELATIVE_PATH.match(message)
        if relative:  # a model's check naming its own field: `dataDisks[1].name: …`
            return f"{path}.{message}"
        return f"{path}: {message}"
    return f"{path}: {message} (got {shown(error.get('input'))})"


def error_lines(err: ValidationError) -> list[str]:
    """Every error of `err` as a line; a value tried against several types gives one line."""
    lines: dict[str, list[str]] = {}
    for error in err.errors():
        line = error_line(error)
        path = error_path(tuple(error.get("loc", ())))
        entries = lines.setdefault(path or line, [])
        if line not in entries:
            entries.append(line)
    return [" | ".join(entries) if len(entries) > 1 else entries[0] for entries in lines.values()]


def component_error(kind: str, name: str, err: ValidationError) -> ComponentArgumentError:
    """A construction error naming the component and each bad argument with its value."""
    return ComponentArgumentError(f"{kind} {name!r}: " + "; ".join(error_lines(err)))
