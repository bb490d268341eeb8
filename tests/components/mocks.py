"""Run a Pulumi program under mocks and keep what it registered, for component tests."""

from __future__ import annotations

import contextlib
import json
import runpy
from collections.abc import Callable, Iterator
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
    secret: tuple[str, ...] = (),
    monitor: Callable[[RecordingMocks], pulumi.runtime.MockMonitor] | None = None,
) -> RecordingMocks:
    """Run `program` under mocks with `config` (section → value; the `secret` sections set
    as `pulumi config set --secret` sets them) and return the record; `monitor` makes the
    resource monitor the program talks to (default: the SDK's)."""
    mocks = RecordingMocks()
    wire = {
        f"{project}:{key}": value if isinstance(value, str) else json.dumps(value)
        for key, value in (config or {}).items()
    }
    pulumi.runtime.set_all_config(wire, [f"{project}:{key}" for key in secret])
    pulumi.runtime.set_mocks(
        mocks,
        project=project,
        stack=stack,
        preview=False,
        monitor=monitor(mocks) if monitor else None,
    )
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


def run_main(
    stack: str, config: dict[str, Any] | None = None, secret: tuple[str, ...] = ()
) -> RecordingMocks:
    """Run the repo's __main__.py for `stack` (its YAML config, or `config` instead)."""
    return run_program(
        lambda: runpy.run_path(str(REPO / "__main__.py")),
        stack,
        stack_config(stack) if config is None else config,
        secret=secret,
    )


SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
"""How the Pulumi wire format marks a secret value: `{SIG_KEY: SECRET_SIG, "value": …}`
(`pulumi/runtime/rpc.py`, `_special_sig_key`, `_special_secret_sig`)."""


@dataclass
class Request:
    """A registration as the engine would receive it: options, URN and wire inputs."""

    typ: str
    name: str
    urn: str
    parent: str
    protect: bool
    retain_on_delete: bool
    ignore_changes: list[str]
    custom_timeouts: dict[str, str]
    dependencies: list[str]
    alias_urns: list[str]
    wire: dict[str, Any]
    """The inputs as sent (secrets still wrapped as `{sig: …, value: …}`)."""


@contextlib.contextmanager
def recording_requests() -> Iterator[list[Request]]:
    """Record every RegisterResource request the program sends to the mock monitor; the
    child URNs a parent alias gives are computed as the engine does (`alias_urns`)."""
    from google.protobuf.json_format import MessageToDict
    from pulumi.runtime.mocks import MockMonitor

    requests: list[Request] = []
    register = MockMonitor.RegisterResource

    def recording(self: MockMonitor, request: Any) -> Any:
        response = register(self, request)
        timeouts = request.customTimeouts
        requests.append(
            Request(
                request.type,
                request.name,
                response.urn,
                request.parent,
                request.protect,
                request.retainOnDelete,
                list(request.ignoreChanges),
                {
                    k: v
                    for k, v in (
                        ("create", timeouts.create),
                        ("update", timeouts.update),
                        ("delete", timeouts.delete),
                    )
                    if v
                },
                list(request.dependencies),
                [a.urn for a in request.aliases if a.urn]
                + [spec_urn(request, a.spec) for a in request.aliases if a.HasField("spec")],
                MessageToDict(request.object),
            )
        )
        return response

    MockMonitor.RegisterResource = recording  # type: ignore[method-assign]
    try:
        yield requests
    finally:
        MockMonitor.RegisterResource = register  # type: ignore[method-assign]


def spec_urn(request: Any, spec: Any) -> str:
    """A readable form of an alias spec: `name/parentUrn` (enough to compare in tests)."""
    return (
        f"{spec.name or request.name}@{spec.parentUrn or ('(no parent)' if spec.noParent else '')}"
    )


def has_secret(value: Any) -> bool:
    """Whether a wire value holds a secret anywhere."""
    if isinstance(value, dict):
        return value.get(SIG_KEY) == SECRET_SIG or any(has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(has_secret(v) for v in value)
    return False


def plain_strings(value: Any) -> list[str]:
    """Every string of a wire value outside secrets (the pickled provider reference left
    out)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return []
        return [s for k, v in value.items() if k != "__provider" for s in plain_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in plain_strings(v)]
    return [value] if isinstance(value, str) else []
