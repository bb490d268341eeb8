"""Reading `pulumi stack export` output: resources, their provider, and secret values.

The export is the old stack's checkpoint (`{"version": 3, "deployment": {"resources": [...]}}`);
each resource has a URN, a type, an id, inputs and outputs. Secrets appear as objects tagged
with Pulumi's secret signature and carry ciphertext (or, after `--show-secrets`, plaintext):
neither may end up in a file we write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
PROVIDER_TYPE = "pulumi:providers:libvirt"


class ExportError(ValueError):
    """The file is not a usable `pulumi stack export`; the message says what is wrong."""


class Secret:
    """A secret value of the export: never printed, never written, only reported."""

    def __repr__(self) -> str:
        return SECRET_TEXT

    __str__ = __repr__


SECRET_TEXT = "[secret]"


SECRET = Secret()


def is_secret(value: Any) -> bool:
    """True for a secret envelope (`{<sig key>: <secret sig>, ciphertext|plaintext: …}`)."""
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def without_secrets(value: Any) -> Any:
    """`value` with every secret envelope replaced by SECRET (the ciphertext is dropped)."""
    if is_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


def has_secret(value: Any) -> bool:
    """True when SECRET occurs anywhere in `value`."""
    if value is SECRET:
        return True
    if isinstance(value, dict):
        return any(has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(has_secret(v) for v in value)
    return False


@dataclass(frozen=True)
class Resource:
    """One resource of the export, secrets already replaced by SECRET."""

    urn: str
    type: str
    id: str
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    """`<provider urn>::<provider id>`, as the engine records it."""

    @property
    def name(self) -> str:
        """The logical (Pulumi) name: the URN's last part."""
        return self.urn.rsplit("::", 1)[-1]

    def get(self, key: str, default: Any = None) -> Any:
        """A property as the provider last saw it: outputs first (they hold what the
        provider computed, e.g. auto-generated names and MACs), then inputs."""
        if key in self.outputs and self.outputs[key] is not None:
            return self.outputs[key]
        return self.inputs.get(key, default)

    @property
    def provider_reference(self) -> str:
        """How resources that use this provider resource name it (`<urn>::<id>`)."""
        return f"{self.urn}::{self.id}"


@dataclass
class StackExport:
    """The resources of one exported stack, in the order the engine saved them."""

    resources: list[Resource]
    _by_id: dict[str, dict[str, Resource]] = field(default_factory=dict)

    def of_type(self, type_: str) -> Iterator[Resource]:
        """Resources of one type token (e.g. `libvirt:index/domain:Domain`)."""
        return (r for r in self.resources if r.type == type_)

    def by_id(self, type_: str) -> dict[str, Resource]:
        """Resources of one type by their id (computed once per type)."""
        if type_ not in self._by_id:
            self._by_id[type_] = {r.id: r for r in self.of_type(type_)}
        return self._by_id[type_]


def parse_export(data: Any) -> StackExport:
    """The resources of a `pulumi stack export` document."""
    if not isinstance(data, dict) or not isinstance(data.get("deployment"), dict):
        raise ExportError("not a `pulumi stack export` document (no 'deployment' object)")
    version = data.get("version")
    if version not in (3, 4):
        raise ExportError(f"unsupported export version {version!r} (expected 3)")
    resources = []
    for index, raw in enumerate(data["deployment"].get("resources") or []):
        if not isinstance(raw, dict) or "urn" not in raw or "type" not in raw:
            raise ExportError(f"deployment.resources[{index}] has no urn or type")
        if raw.get("delete") or raw.get("pendingReplacement"):
            continue
        resources.append(
            Resource(
                urn=str(raw["urn"]),
                type=str(raw["type"]),
                id=str(raw.get("id") or ""),
                inputs=without_secrets(raw.get("inputs") or {}),
                outputs=without_secrets(raw.get("outputs") or {}),
                provider=raw.get("provider"),
            )
        )
    return StackExport(resources)


def load_export(path: Path) -> StackExport:
    """Read and parse an export file; ExportError naming the file when it is unusable."""
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise ExportError(f"{path}: cannot read ({err.strerror})") from None
    except json.JSONDecodeError as err:
        raise ExportError(f"{path}: not JSON ({err.msg} at line {err.lineno})") from None
    try:
        return parse_export(data)
    except ExportError as err:
        raise ExportError(f"{path}: {err}") from None
