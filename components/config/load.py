"""Reading the stack config (from Pulumi or a plain mapping) into a StackConfig.

Errors become one StackConfigError listing every problem as `path: message (value)`, e.g.
`vms[1].memory: '2GB?' is not a size; use e.g. 2GiB, 2048MiB …`. Every key under the
project's namespace must be one of SECTIONS: a typo (`kvm-estate:default`) would otherwise
drop a whole section silently (prod's `retainDataDisks`, say).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from components.config.base import SCANNED, find_bad_character
from components.config.errors import error_lines
from components.config.stack import StackConfig
from components.spec.errors import InputError, shown

SECTIONS = ("hosts", "pools", "networks", "templates", "vms", "defaults", "snapshotPolicies")


class StackConfigError(InputError):
    """The stack configuration is invalid; the message names each bad field and value."""


def _refused(stack: str, lines: list[str]) -> StackConfigError:
    where = f"stack {stack!r}" if stack else "stack config"
    return StackConfigError(f"{where} is invalid:\n  " + "\n  ".join(lines))


def unknown_sections(keys: list[str], prefix: str = "") -> list[str]:
    """An error line for each key that is not a section, with the nearest section named."""
    lines = []
    for key in keys:
        if key in SECTIONS:
            continue
        close = difflib.get_close_matches(key, SECTIONS, n=1)
        hint = f"did you mean {prefix}{close[0]}?" if close else f"sections: {', '.join(SECTIONS)}"
        lines.append(f"{prefix}{key}: not a section of this project's config; {hint}")
    return lines


def parse_stack_config(data: object, stack: str = "") -> StackConfig:
    """Validate a mapping of sections; raise StackConfigError naming every bad field."""
    if not isinstance(data, Mapping):
        raise _refused(stack, [f"config: expected a mapping of sections, got {shown(data)}"])
    unknown = unknown_sections([str(k) for k in data])
    if unknown:
        raise _refused(stack, unknown)
    bad = find_bad_character(dict(data))
    if bad is not None:
        raise _refused(stack, [bad])
    try:
        return StackConfig.model_validate(dict(data), context={"stack": stack, SCANNED: True})
    except ValidationError as err:
        raise _refused(stack, error_lines(err)) from None
    except (ValueError, TypeError, RecursionError) as err:  # a check met a value it did not expect
        raise _refused(stack, [f"{type(err).__name__}: {err}"]) from None


def _config_keys(project: str) -> list[str]:
    """Every config key the stack sets under `project:` (as Pulumi passed them in)."""
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    prefix = f"{project}:"
    return sorted(k.removeprefix(prefix) for k in keys if k.startswith(prefix))


def _value(raw: str) -> Any:
    """A config value: objects and numbers arrive as JSON, plain strings as themselves."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def secret_sections(config: pulumi.Config | None = None) -> frozenset[str]:
    """The sections the stack sets as secrets (`pulumi config set --secret`, with or without
    `--path`: Pulumi marks the whole key); their values are read as plain JSON, so the
    components made from them register their resources' inputs as secrets."""
    name = (config or pulumi.Config()).name
    return frozenset(k for k in SECTIONS if runtime_config.is_config_secret(f"{name}:{k}"))


def load_stack_config(config: pulumi.Config | None = None) -> StackConfig:
    """Read the sections from the current stack's Pulumi config and validate them."""
    config = config or pulumi.Config()
    stack = pulumi.get_stack()
    unknown = unknown_sections(_config_keys(config.name), f"{config.name}:")
    data = {}
    for key in SECTIONS:
        raw = config.get(key)
        if raw is not None:
            data[key] = _value(raw)
    try:
        parsed = parse_stack_config(data, stack)
    except StackConfigError as err:
        if not unknown:
            raise
        known = [line.strip() for line in str(err).splitlines()[1:]]
        raise _refused(stack, [*unknown, *known]) from None
    if unknown:
        raise _refused(stack, unknown)
    return parsed
