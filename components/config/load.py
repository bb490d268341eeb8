"""Reading the stack config (from Pulumi or a plain mapping) into a StackConfig.

Errors become one StackConfigError listing every problem as `path: message (value)`, e.g.
`vms[1].memory: '2GB?' is not a size; use e.g. 2GiB, 2048MiB …`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import ValidationError

from components.config.errors import error_lines
from components.config.stack import StackConfig

SECTIONS = ("hosts", "pools", "networks", "templates", "vms", "defaults", "snapshotPolicies")


class StackConfigError(ValueError):
    """The stack configuration is invalid; the message names each bad field and value."""


def parse_stack_config(data: Mapping[str, Any], stack: str = "") -> StackConfig:
    """Validate a mapping of sections; raise StackConfigError naming every bad field."""
    try:
        return StackConfig.model_validate(dict(data))
    except ValidationError as err:
        lines = error_lines(err)
        where = f"stack {stack!r}" if stack else "stack config"
        raise StackConfigError(f"{where} is invalid:\n  " + "\n  ".join(lines)) from None


def load_stack_config(config: pulumi.Config | None = None) -> StackConfig:
    """Read the sections from the current stack's Pulumi config and validate them."""
    config = config or pulumi.Config()
    data = {key: config.get_object(key) for key in SECTIONS}
    present = {key: value for key, value in data.items() if value is not None}
    return parse_stack_config(present, pulumi.get_stack())
