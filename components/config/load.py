"""Reading the stack config (from Pulumi or a plain mapping) into a StackConfig.

Errors become one StackConfigError listing every problem as `path: message (value)`, e.g.
`vms[1].memory: '2GB?' is not a size; use e.g. 2GiB, 2048MiB …`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import ValidationError

from components.config.stack import StackConfig

NETWORK_KINDS = ("nat", "isolated", "routed", "bridged", "existing")

SECTIONS = ("hosts", "pools", "networks", "templates", "vms", "defaults", "snapshotPolicies")


class StackConfigError(ValueError):
    """The stack configuration is invalid; the message names each bad field and value."""


def _path(loc: tuple[int | str, ...]) -> str:
    # A discriminated union puts the chosen model's tag in the path
    # (networks.lan.nat.subnet); the user wrote networks.lan.subnet.
    if len(loc) >= 3 and loc[0] == "networks" and loc[2] in NETWORK_KINDS:
        loc = loc[:2] + loc[3:]
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: Mapping[str, Any]) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    path = _path(tuple(error.get("loc", ())))
    if not path:
        return message
    shown = error.get("input")
    if error.get("type") == "value_error" or isinstance(shown, dict | list):
        return f"{path}: {message}"
    return f"{path}: {message} (got {shown!r})"


def parse_stack_config(data: Mapping[str, Any], stack: str = "") -> StackConfig:
    """Validate a mapping of sections; raise StackConfigError naming every bad field."""
    try:
        return StackConfig.model_validate(dict(data))
    except ValidationError as err:
        lines = [_message(e) for e in err.errors()]
        where = f"stack {stack!r}" if stack else "stack config"
        raise StackConfigError(f"{where} is invalid:\n  " + "\n  ".join(lines)) from None


def load_stack_config(config: pulumi.Config | None = None) -> StackConfig:
    """Read the sections from the current stack's Pulumi config and validate them."""
    config = config or pulumi.Config()
    data = {key: config.get_object(key) for key in SECTIONS}
    present = {key: value for key, value in data.items() if value is not None}
    return parse_stack_config(present, pulumi.get_stack())
