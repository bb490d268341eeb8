"""Secrets of the export in the stack file: never their ciphertext, a placeholder to set."""

from __future__ import annotations

from typing import Any

from components.migrate.export import SECRET, SECRET_TEXT
from components.migrate.pulumi_libvirt.context import Conversion


def _path(parent: str, key: str) -> str:
    """A `pulumi config --path` step: `.key`, or `["key"]` for keys like `debian-base`."""
    return f"{parent}.{key}" if key.isidentifier() else f'{parent}["{key}"]'


SECRET_PLACEHOLDER = "SECRET-SET-ME"
"""What a secret of the export becomes in the stack file: its ciphertext belongs to the old
stack's secrets provider, so the value must be set again, as a secret of the new stack."""


def with_placeholders(out: Conversion, path: str, value: Any) -> Any:
    """`value` with every secret (or text made from one) replaced by SECRET_PLACEHOLDER,
    each reported with the command that sets it."""
    if isinstance(value, dict):
        return {k: with_placeholders(out, _path(path, k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_placeholders(out, f"{path}[{i}]", v) for i, v in enumerate(value)]
    if value is SECRET or (isinstance(value, str) and SECRET_TEXT in value):
        out.note(
            path,
            "a secret in the old stack (its ciphertext cannot move to another stack)",
            f"set it: pulumi config set --secret --path '{path}' VALUE --stack NEW "
            f"(the stack file holds {SECRET_PLACEHOLDER} until then)",
        )
        return SECRET_PLACEHOLDER
    return value
