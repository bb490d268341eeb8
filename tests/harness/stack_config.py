"""Stack configuration as the Pulumi CLI hands it to a program and to dynamic providers.

The CLI passes every config value as a string keyed `namespace:key` (a bare key gets the project
as namespace, as `pulumi config set key` does); a non-string YAML value (number, bool, list,
object) arrives JSON-encoded, which is what `pulumi.Config.get_int/get_bool/get_object` parse.
Secret values arrive decrypted, with their keys listed as secret (`configSecretKeys`), so
`Config.get_secret` / `require_secret` wrap them in secret Outputs. Dynamic providers receive the
whole config, namespaces kept, through Configure.

The harness cannot decrypt `secure:` values of a stack file (no passphrase or KMS here), so a
test passes their plaintext in `secrets=`; a `secure:` value without one fails with its key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.harness.errors import HarnessError

_SECURE = "secure"


@dataclass(frozen=True)
class StackConfig:
    """The config of one stack: values as YAML gives them, plus the secret keys."""

    project: str
    stack: str
    project_dir: Path
    values: Mapping[str, Any] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()


def qualify(key: str, project: str) -> str:
    """`key` with the project as namespace when it has none, like the CLI."""
    return key if ":" in key else f"{project}:{key}"


def cli_config(values: Mapping[str, Any], project: str) -> dict[str, str]:
    """The config map the CLI passes to the program: qualified keys, string values."""
    result: dict[str, str] = {}
    for key, value in values.items():
        full_key = qualify(key, project)
        if _is_secure(value):
            raise HarnessError(
                f"config {full_key!r} is an encrypted `secure:` value; pass its plaintext and "
                "list the key in secret_keys"
            )
        result[full_key] = value if isinstance(value, str) else json.dumps(value)
    return result


def load_stack_config(
    project_dir: str | os.PathLike[str],
    stack: str,
    *,
    overrides: Mapping[str, Any] | None = None,
    secrets: Mapping[str, Any] | None = None,
) -> StackConfig:
    """Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` (in `stackConfigDir`) like the CLI does.

    Project-level `config:` defaults apply first, then the stack file, then `overrides`, then
    `secrets` (plaintext values whose keys become secret, e.g. for the stack's `secure:` values).
    """
    directory = Path(project_dir)
    project_file = _read_yaml(directory / "Pulumi.yaml")
    project = str(project_file.get("name") or "")
    if not project:
        raise HarnessError(f"{directory / 'Pulumi.yaml'} has no project name")
    stack_dir = directory / str(project_file.get("stackConfigDir") or ".")
    stack_file = _read_yaml(stack_dir / f"Pulumi.{stack}.yaml")

    values: dict[str, Any] = {}
    for key, spec in (project_file.get("config") or {}).items():
        default = _project_default(spec)
        if default is not None:
            values[qualify(key, project)] = default
    values.update(_qualified(stack_file.get("config") or {}, project))
    values.update(_qualified(overrides or {}, project))
    secret_values = _qualified(secrets or {}, project)
    values.update(secret_values)

    unresolved = sorted(k for k, v in values.items() if _is_secure(v))
    if unresolved:
        raise HarnessError(
            f"stack {stack!r} has encrypted config {unresolved}; pass their plaintext in secrets="
        )
    return StackConfig(
        project=project,
        stack=stack,
        project_dir=directory,
        values=values,
        secret_keys=tuple(secret_values),
    )


def qualify_all(keys: Iterable[str], project: str) -> tuple[str, ...]:
    return tuple(qualify(k, project) for k in keys)


def _qualified(values: Mapping[str, Any], project: str) -> dict[str, Any]:
    return {qualify(k, project): v for k, v in values.items()}


def _project_default(spec: Any) -> Any:
    """A project-level config entry: a plain value, or a schema with `default` or `value`."""
    if not isinstance(spec, Mapping):
        return spec
    for key in ("value", "default"):
        if key in spec:
            return spec[key]
    return None


def _is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {_SECURE}


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise HarnessError(f"cannot read {path}: {err}") from err
    except yaml.YAMLError as err:
        raise HarnessError(f"{path} is not valid YAML: {err}") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise HarnessError(f"{path} must hold a mapping at the top level")
    return data
