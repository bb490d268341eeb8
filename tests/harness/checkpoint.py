"""The state file: the harness's stand-in for the engine's checkpoint of a stack.

Like the engine's checkpoint (`pulumi stack export`), it lists each resource with its URN, type,
id, inputs, outputs, parent, dependencies and options, in an order where a resource comes after
what it depends on; secrets are stored sealed (see `secrets_at_rest`). The file is rewritten
atomically after every step (the engine's snapshot manager persists after each step too), so a
run that fails midway leaves a state that matches what exists.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.harness.errors import StateFileError
from tests.harness.property_values import PropertyMap
from tests.harness.secrets_at_rest import CIPHER_NAME, open_secrets, seal_secrets

STATE_FORMAT_VERSION = 1


@dataclass
class ResourceState:
    """One resource as the checkpoint records it (field names follow the engine's `ResourceV3`).

    `delete` marks an old instance waiting for deletion after a create-before-delete replacement;
    it keeps its place in the state until the delete succeeds, as in the engine.
    """

    urn: str
    type: str
    custom: bool
    id: str = ""
    inputs: PropertyMap = field(default_factory=dict)
    outputs: PropertyMap = field(default_factory=dict)
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    additional_secret_outputs: list[str] = field(default_factory=list)
    delete: bool = False

    @property
    def name(self) -> str:
        """The logical name: the last URN segment."""
        return self.urn.rsplit("::", 1)[-1]

    def depends_on(self) -> set[str]:
        """URNs this resource needs while it exists: dependencies, property deps and parent."""
        urns = set(self.dependencies)
        for deps in self.property_dependencies.values():
            urns.update(deps)
        if self.parent:
            urns.add(self.parent)
        return urns

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "custom": self.custom,
            "id": self.id,
            "inputs": seal_secrets(self.inputs),
            "outputs": seal_secrets(self.outputs),
            "parent": self.parent,
            "dependencies": list(self.dependencies),
            "propertyDependencies": {k: list(v) for k, v in self.property_dependencies.items()},
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "additionalSecretOutputs": list(self.additional_secret_outputs),
            "delete": self.delete,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResourceState:
        return cls(
            urn=data["urn"],
            type=data["type"],
            custom=bool(data["custom"]),
            id=data.get("id", ""),
            inputs=open_secrets(data.get("inputs", {})),
            outputs=open_secrets(data.get("outputs", {})),
            parent=data.get("parent", ""),
            dependencies=list(data.get("dependencies", [])),
            property_dependencies={
                k: list(v) for k, v in data.get("propertyDependencies", {}).items()
            },
            protect=bool(data.get("protect", False)),
            retain_on_delete=bool(data.get("retainOnDelete", False)),
            additional_secret_outputs=list(data.get("additionalSecretOutputs", [])),
            delete=bool(data.get("delete", False)),
        )


class Checkpoint:
    """Reads and atomically rewrites one stack's state file."""

    def __init__(self, path: str | os.PathLike[str], project: str, stack: str) -> None:
        self.path = Path(path)
        self.project = project
        self.stack = stack

    def load(self) -> list[ResourceState]:
        """The saved resources; none when the file does not exist yet (a new stack)."""
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise StateFileError(f"cannot read state file {self.path}: {err}") from err
        if (data.get("project"), data.get("stack")) != (self.project, self.stack):
            raise StateFileError(
                f"state file {self.path} belongs to project {data.get('project')!r} stack "
                f"{data.get('stack')!r}, not {self.project!r} stack {self.stack!r}"
            )
        if data.get("version") != STATE_FORMAT_VERSION:
            raise StateFileError(
                f"state file {self.path} has version {data.get('version')!r}; "
                f"this harness reads version {STATE_FORMAT_VERSION}"
            )
        return [ResourceState.from_json(r) for r in data.get("resources", [])]

    def save(self, resources: Sequence[ResourceState]) -> None:
        """Write the whole state; a reader never sees a half-written file."""
        document = {
            "version": STATE_FORMAT_VERSION,
            "project": self.project,
            "stack": self.stack,
            "secretsProvider": CIPHER_NAME,
            "resources": [r.to_json() for r in resources],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as tmp:
                json.dump(document, tmp, indent=2)
                tmp.write("\n")
            os.replace(tmp_name, self.path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
