"""The project's one error for bad input, from stack YAML or from Python.

Raised before anything changes (at construction, i.e. at `pulumi preview` or in the offline
plan); the message names the config path or argument and the offending value, never a
secret's value. Tools and tests catch this class, not a library's. It is a `pulumi.RunError`
too: Pulumi's Python host prints such an error's message alone, without a traceback.
"""

from __future__ import annotations

from pulumi.errors import RunError

SECRET_FIELDS = frozenset({"password", "passwd", "userData", "user_data", "content"})
"""Field names whose values are secrets: errors name the field and say why, never echo it."""


class InputError(ValueError, RunError):
    """Bad input refused before anything changes; the message names path and value."""


def is_secret_path(path: tuple[int | str, ...] | list[int | str]) -> bool:
    """True when a config path goes through a secret field (its value must not be shown)."""
    return any(isinstance(part, str) and part in SECRET_FIELDS for part in path)


def shown(value: object, limit: int = 200) -> str:
    """A value for an error message: repr of a scalar, only the type of a container (which
    may hold a secret somewhere inside)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple | set):
        return f"a list of {len(value)}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
