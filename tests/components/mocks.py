"""Run a Pulumi program under mocks and keep what it registered, for component tests."""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml

from components.hosts.inspection import host_inspector, set_host_inspector
from components.hosts.kvm_host import host_probe, set_host_probe

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Registered:
    typ: str
    name: str
    inputs: dict[str, Any]


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    """Mocks that record every registration and echo inputs back as outputs."""

    resources: list[Registered] = field(default_factory=list)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        self.resources.append(Registered(args.typ, args.name, inputs))
        outputs = dict(args.inputs)
        if "name" in inputs:
            outputs.setdefault("path", f"/mock/{inputs['name']}")
            outputs.setdefault("uuid", f"uuid-{args.name}")
            outputs.setdefault("virtualSizeBytes", 2 * 1024**3)
            outputs.setdefault("pendingRestart", False)
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}

    def of_type(self, suffix: str) -> list[Registered]:
        return [r for r in self.resources if r.typ.endswith(suffix)]

    def named(self, suffix: str, name: str) -> Registered:
        matches = [r for r in self.of_type(suffix) if r.name == name]
        assert len(matches) == 1, f"{suffix} {name}: {len(matches)} registrations"
        return matches[0]


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` section of stacks/Pulumi.<stack>.yaml, keys without the project."""
    data = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in data.items()}


def run_program(
    program: Callable[[], Any],
    stack: str = "dev",
    config: dict[str, Any] | None = None,
    project: str = "kvm-estate",
) -> RecordingMocks:
    """Run `program` under mocks with `config` (section → value) and return the record."""
    mocks = RecordingMocks()
    wire = {
        f"{project}:{key}": value if isinstance(value, str) else json.dumps(value)
        for key, value in (config or {}).items()
    }
    pulumi.runtime.set_all_config(wire)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)
    probe, inspector = host_probe(), host_inspector()
    set_host_probe(None)

    @pulumi.runtime.test
    def run() -> None:
        program()

    try:
        run()
    finally:
        set_host_probe(probe)
        set_host_inspector(inspector)
    return mocks


def run_main(stack: str, config: dict[str, Any] | None = None) -> RecordingMocks:
    """Run the repo's __main__.py for `stack` (its YAML config, or `config` instead)."""
    return run_program(
        lambda: runpy.run_path(str(REPO / "__main__.py")),
        stack,
        stack_config(stack) if config is None else config,
    )
