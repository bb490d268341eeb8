"""How secrets are written to the state file: marked and encoded, never as plaintext.

Mirrors the engine's checkpoint, where a secret value is stored as
`{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": ...}`
(the secret signature object with the encrypted JSON of the value). The "cipher" here is base64
of that JSON: reversible and NOT encryption, but it keeps plaintext out of the file, so tests
can assert that a password never appears in the state.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from tests.harness.errors import StateFileError
from tests.harness.property_values import SECRET_SIG, SIG_KEY, is_secret

CIPHER_NAME = "harness-base64 (test-only encoding, not encryption)"


def seal_secrets(value: Any) -> Any:
    """`value` with each secret's plain value replaced by its ciphertext."""
    if is_secret(value):
        plaintext = json.dumps(value.get("value"), sort_keys=True)
        return {SIG_KEY: SECRET_SIG, "ciphertext": _encode(plaintext)}
    if isinstance(value, Mapping):
        return {k: seal_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [seal_secrets(v) for v in value]
    return value


def open_secrets(value: Any) -> Any:
    """The inverse of `seal_secrets`."""
    if isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG and "ciphertext" in value:
        try:
            plain = json.loads(_decode(str(value["ciphertext"])))
        except ValueError as err:
            raise StateFileError(f"a secret in the state file cannot be decoded: {err}") from err
        return {SIG_KEY: SECRET_SIG, "value": plain}
    if isinstance(value, Mapping):
        return {k: open_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [open_secrets(v) for v in value]
    return value


def _encode(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _decode(ciphertext: str) -> str:
    return base64.b64decode(ciphertext.encode("ascii"), validate=True).decode("utf-8")
