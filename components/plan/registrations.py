"""Run a Pulumi program for one stack under mocks and record everything it registers.

This is the offline plan's only contact with the program: no Pulumi backend or CLI, no
libvirt connection. It runs like `pulumi preview` (dry run), so values only the apply can
know (a UUID, an imported image's size) stay unknown; secrets are recorded as `[secret]`,
never their plaintext (in a plan diff, `[secret:<keyed hash>]` per leaf: see `masked`).

The module imports nothing from `components` on purpose: `--diff REV` runs this file as a
script inside a git worktree of REV, where `components` must be REV's own package (the
program under review), which may not even have a plan module.

    python components/plan/registrations.py --project-dir DIR --stack dev   # JSON on stdout
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import hmac
import importlib.util
import json
import logging
import os
import runpy
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.rpc import UNKNOWN as WIRE_UNKNOWN

SECRET_TEXT = "[secret]"
"""How a secret is recorded (components.plan.values.SECRET prints the same)."""
FINGERPRINT_KEY_ENV = "KVM_PLAN_SECRET_KEY"
"""A one-time key (hex) a plan diff gives both of its evaluations: each secret is then
recorded as `[secret:<keyed hash>]`, so the diff can tell a changed secret from an unchanged
one without either value. The key lives only in the two child processes' environment."""
UNKNOWN_TEXT = "(known after apply)"
"""How a value known only after apply is recorded (components.plan.values.UNKNOWN)."""

_SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_PROVIDER_KEY = "__provider"
_STACK_TYPE = "pulumi:pulumi:Stack"
_PROVIDER_PREFIX = "provider-class:"


class PlanError(RuntimeError):
    """The program could not be evaluated for the stack; the message says why."""


@dataclass
class Registration:
    """One registered resource: custom (its inputs) or component (its registered outputs).

    `protect` / `retain_on_delete` are the options as the program set them (None: unset,
    inherited from the parent, as the engine does).
    """

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    provider: str | None = None
    """Dynamic resources: their provider class as `module:qualname`."""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    protect: bool | None = None
    retain_on_delete: bool | None = None


def plain(value: Any) -> Any:
    """Wire values (from a protobuf Struct as JSON) → plan values.

    Secrets become SECRET_TEXT (their plaintext is dropped here, before anything can print
    it), unknowns UNKNOWN_TEXT, and whole-number floats ints (the wire has only doubles).
    """
    if isinstance(value, dict):
        if value.get(_SPECIAL_SIG_KEY) == _SECRET_SIG:
            return masked(plain(value.get("value")))
        return {k: plain(v) for k, v in value.items() if k != _PROVIDER_KEY and v is not None}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == WIRE_UNKNOWN:
        return UNKNOWN_TEXT
    return value


def masked(value: Any) -> Any:
    """A secret as the plan records it: SECRET_TEXT, or in a diff (FINGERPRINT_KEY_ENV set)
    its shape with each leaf a keyed hash, so the diff names the field that changed (a
    cloud-config document by its keys: `userData.packages[0]`) and never shows a value."""
    key = os.environ.get(FINGERPRINT_KEY_ENV)
    if not key:
        return SECRET_TEXT
    return _fingerprinted(value, bytes.fromhex(key))


def _fingerprinted(value: Any, key: bytes) -> Any:
    if isinstance(value, str) and value.startswith("[secret"):
        return value  # already masked (a secret inside a secret)
    if isinstance(value, str) and "\n" in value:
        try:
            document = yaml.safe_load(value)
        except yaml.YAMLError:
            document = None
        if isinstance(document, dict):
            value = document
    if isinstance(value, dict):
        return {str(k): _fingerprinted(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_fingerprinted(v, key) for v in value]
    text = json.dumps(value, sort_keys=True, default=str)
    return f"[secret:{hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:16]}]"


def _plain_bag(wire: dict[str, Any]) -> dict[str, Any]:
    result = plain(wire)
    return result if isinstance(result, dict) else {"value": result}  # a bag that was one secret


def _provider_reference(wire: dict[str, Any]) -> str | None:
    """The `module:qualname` that `offline()` put where the pickled provider would be."""
    value = wire.get(_PROVIDER_KEY)
    if isinstance(value, dict):  # the SDK always marks the serialised provider secret
        value = value.get("value")
    if isinstance(value, str) and value.startswith(_PROVIDER_PREFIX):
        return value.removeprefix(_PROVIDER_PREFIX)
    return None


class _NoMocks(pulumi.runtime.Mocks):
    """The monitor below answers registrations itself; invokes return nothing."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return "", {}

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock resource monitor that records registrations and echoes inputs as outputs.

    Echoing the wire struct (not a deserialised copy) keeps secrets secret and unknowns
    unknown for whatever the program derives from these outputs.
    """

    def __init__(self) -> None:
        super().__init__(_NoMocks())
        self.registrations: dict[str, Registration] = {}

    def RegisterResource(  # noqa: N802 - the gRPC method name
        self, request: resource_pb2.RegisterResourceRequest
    ) -> resource_pb2.RegisterResourceResponse:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == _STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        wire = json_format.MessageToDict(request.object)
        self.registrations[urn] = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=request.custom,
            provider=_provider_reference(wire),
            inputs=_plain_bag(wire) if request.custom else {},
            protect=request.protect if request.HasField("protect") else None,
            retain_on_delete=(
                request.retainOnDelete if request.HasField("retainOnDelete") else None
            ),
        )
        echoed = struct_pb2.Struct()
        echoed.CopyFrom(request.object)
        if _PROVIDER_KEY in echoed:
            del echoed[_PROVIDER_KEY]
        resource_id = f"{request.name}-id" if request.custom else ""
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=echoed)

    def RegisterResourceOutputs(  # noqa: N802 - the gRPC method name
        self, request: resource_pb2.RegisterResourceOutputsRequest
    ) -> empty_pb2.Empty:
        registration = self.registrations.get(request.urn)
        if registration is not None:
            registration.outputs = _plain_bag(json_format.MessageToDict(request.outputs))
        return empty_pb2.Empty()


class _Warnings(logging.Handler):
    """Collects what the program logs at warning level or above (pulumi.log.warn)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass(frozen=True)
class Project:
    """What Pulumi.yaml says about the program: its name, entry point and stack files."""

    directory: Path
    name: str
    main: Path
    stack_config_dir: Path

    @classmethod
    def load(cls, directory: Path) -> Project:
        path = directory / "Pulumi.yaml"
        if not path.is_file():
            raise PlanError(f"{directory} has no Pulumi.yaml; pass --project-dir")
        data = _load_yaml(path) or {}
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise PlanError(f"{path}: expected a mapping with the project's name:")
        main = directory / str(data.get("main") or ".")
        if main.is_dir():
            main = main / "__main__.py"
        return cls(
            directory=directory,
            name=str(data["name"]),
            main=main,
            stack_config_dir=directory / str(data.get("stackConfigDir") or "."),
        )

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"


def stack_config(project: Project, stack: str) -> tuple[dict[str, str], list[str]]:
    """The stack's config in Pulumi's wire form (`project:key` → string) and its secret keys.

    Encrypted values (`secure: …`) cannot be read offline; they are passed as SECRET_TEXT
    and marked secret, so the program sees a secret either way.
    """
    path = project.stack_file(stack)
    if not path.is_file():
        raise PlanError(f"stack {stack!r} has no stack file {path}")
    data = _load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PlanError(f"{path}: expected a mapping with a config: key, got {_kind(data)}")
    config = data.get("config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise PlanError(
            f"{path}: config: expected a mapping of keys to values, got {_kind(config)}"
        )
    wire: dict[str, str] = {}
    secret_keys: list[str] = []
    for name, raw in config.items():
        key = str(name)
        full_key = key if ":" in key else f"{project.name}:{key}"
        value = raw
        if _has_secure(raw):
            secret_keys.append(full_key)
            value = _mask_secure(raw)
        try:
            wire[full_key] = value if isinstance(value, str) else json.dumps(value)
        except (TypeError, ValueError) as err:
            raise PlanError(f"{path}: config.{key}: not a config value ({err})") from None
    return wire, secret_keys


def _kind(value: Any) -> str:
    return f"a {type(value).__name__} ({value!r:.40})"


class _StackFileLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML as the Pulumi CLI reads stack files: a key given twice is an error (not the
    last one silently winning), dates stay the text written, and `!!binary` is refused (a
    config value is text). libyaml parses when PyYAML has it (10x faster on large files)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be text or a number", key_node.start_mark
                ) from None
            if first is not key_node:
                raise yaml.constructor.ConstructorError(
                    f"key {key!r} first given {_where(first)}",
                    None,
                    f"key {key!r} is given twice",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def construct_binary(self, node: yaml.Node) -> Any:
        raise yaml.constructor.ConstructorError(
            None, None, "!!binary values are not config values; write the text", node.start_mark
        )


def _where(node: yaml.Node) -> str:
    return f"at line {node.start_mark.line + 1}"


_StackFileLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StackFileLoader.add_constructor("tag:yaml.org,2002:binary", _StackFileLoader.construct_binary)
_StackFileLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _load_yaml(path: Path) -> Any:
    """Parse a project or stack file; PlanError saying where when it is not valid YAML."""
    try:
        return yaml.load(path.read_text(), Loader=_StackFileLoader)
    except yaml.YAMLError as err:
        raise PlanError(f"{path}: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise PlanError(f"{path}: cannot read it ({err})") from None


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _mask_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_TEXT
        return {k: _mask_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_secure(v) for v in value]
    return value


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """What a plan run changes in this process, undone afterwards.

    - No libvirt connection: the host probe is off and libvirt's open calls raise, so
      nothing the program runs can reach a hypervisor.
    - No provider pickling: dynamic resources serialise their provider with dill at
      registration so the engine can run it later. A plan never runs a provider, so for
      the run the SDK's serialiser records only the provider's class (the diff takes the
      class's change rules from it). Pickling costs about a fifth of a 1000-VM plan.
    - No source positions: the SDK walks the Python stack at every registration to tell
      the engine where the resource was declared; a plan has no engine to tell (another
      sixth of a large plan).
    - No cyclic GC during the run: a program of thousands of resources keeps every
      object alive to the end, so collections only rescan a growing heap (with GC on, a
      1000-VM plan takes twice as long and grows faster than the number of VMs).
    """
    from pulumi.dynamic import dynamic
    from pulumi.runtime import resource as runtime_resource
    from pulumi.runtime.proto import source_pb2

    restore: list[tuple[object, str, object]] = []

    def replace(owner: object, name: str, value: object) -> None:
        restore.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    replace(dynamic, "serialize_provider", _provider_class_reference)
    if hasattr(runtime_resource, "_get_stack_trace"):  # private: skip it if the SDK renames it
        replace(runtime_resource, "_get_stack_trace", source_pb2.StackTrace)
    try:
        import libvirt
    except ImportError:
        pass
    else:
        for name in ("open", "openAuth", "openReadOnly"):
            if hasattr(libvirt, name):
                replace(libvirt, name, _refuse_libvirt)
    restore_host_checks = _host_checks_off()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc_was_enabled:
            gc.enable()
        for owner, name, value in reversed(restore):
            setattr(owner, name, value)
        restore_host_checks()


def _host_checks_off() -> Callable[[], None]:
    """Turn off the program's preview-time host checks; return how to turn them back on.

    `set_host_probe(None)` is the program's own switch (a revision may not have it, or not
    the getters used to restore it).
    """
    try:
        from components.hosts import kvm_host
    except ImportError:
        return lambda: None
    probe = getattr(kvm_host, "host_probe", lambda: None)()
    inspection = importlib.util.find_spec("components.hosts.inspection")
    inspector = None
    if inspection is not None:
        from components.hosts import inspection as host_inspection

        inspector = getattr(host_inspection, "host_inspector", lambda: None)()
    kvm_host.set_host_probe(None)

    def restore() -> None:
        if probe is not None:
            kvm_host.set_host_probe(probe)
        if inspector is not None:
            host_inspection.set_host_inspector(inspector)

    return restore


def _provider_class_reference(provider: object) -> str:
    cls = type(provider)
    return f"{_PROVIDER_PREFIX}{cls.__module__}:{cls.__qualname__}"


def _refuse_libvirt(*_args: object, **_kwargs: object) -> None:
    raise PlanError("the offline plan never connects to libvirt")


def evaluate(project_dir: Path, stack: str) -> dict[str, Any]:
    """Run the project's program for `stack` under mocks; return what it registered.

    The result is plain JSON data: `project`, `stack`, `resources` (registration order)
    and `warnings` (what the program logged, sorted).
    """
    project = Project.load(project_dir.resolve())
    if str(project.directory) not in sys.path:
        sys.path.insert(0, str(project.directory))
    config, secret_keys = stack_config(project, stack)
    monitor = RecordingMonitor()
    warnings = _Warnings()
    logger = logging.getLogger("kvm-plan.program")
    logger.propagate = False
    logger.addHandler(warnings)
    pulumi.runtime.set_all_config(config, secret_keys)
    pulumi.runtime.set_mocks(
        monitor.mocks,
        project=project.name,
        stack=stack,
        preview=True,
        logger=logger,
        monitor=monitor,
    )

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> None:
        runpy.run_path(str(project.main), run_name="__main__")

    try:
        with offline():
            run()
    finally:
        logger.removeHandler(warnings)
    return {
        "project": project.name,
        "stack": stack,
        "resources": [vars(r) for r in monitor.registrations.values()],
        "warnings": sorted(set(warnings.messages)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--stack", required=True)
    args = parser.parse_args(argv)
    try:
        result = evaluate(args.project_dir, args.stack)
    except Exception as err:  # the program's own errors (bad config …) end the plan
        print(f"error: {err}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
