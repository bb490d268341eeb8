"""The base of every stack-config model: camelCase keys in YAML, unknown keys refused, and
no character libvirt's XML cannot carry, anywhere."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator
from pydantic.alias_generators import to_camel

from components.spec.errors import is_secret_path, shown
from components.spec.text import bad_character

SCANNED = "scanned"
"""Validation context key: the input was checked with `find_bad_character` as a whole."""


def find_bad_character(value: Any, path: tuple[int | str, ...] = ()) -> str | None:
    """`path: why` for the first string (value or key) holding a character XML cannot
    carry (NUL, most control characters, lone surrogates); None when there is none."""
    if isinstance(value, str):
        bad = bad_character(value, multiline=True)
        if bad is None:
            return None
        where = _dotted(path)
        if is_secret_path(path):
            return f"{where}: contains control character {bad} (value not shown: it is a secret)"
        return f"{where}: {shown(value)} contains control character {bad} (XML cannot carry it)"
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and bad_character(key, multiline=False) is not None:
                return f"{_dotted((*path, key))}: the key {key!r} contains a control character"
            found = find_bad_character(item, (*path, key))
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = find_bad_character(item, (*path, index))
            if found is not None:
                return found
    return None


def _dotted(path: tuple[int | str, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


class ConfigModel(BaseModel):
    """Config sections: camelCase in YAML, unknown keys refused (typos fail loudly)."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )

    @model_validator(mode="before")
    @classmethod
    def _xml_compatible(cls, data: Any, info: ValidationInfo) -> Any:
        """Checked on the raw input, before any field: an outer model reports the full path.
        A caller that scanned the whole input already says so (`scanned` in the context)."""
        scanned = isinstance(info.context, dict) and info.context.get(SCANNED)
        if isinstance(data, dict) and not scanned:
            found = find_bad_character(data)
            if found is not None:
                raise ValueError(found)
        return data
