"""What the first `pulumi up` of a converted stack would change, read from the live hosts.

The stack file is evaluated the way the offline plan does it (the real components under
mocks, no libvirt), which gives every resource's inputs exactly as `up` will send them. Each
libvirt object is then looked up on its host by name and read back through its provider's own
`read_object`, and the provider's own change rules (components/spec/changes.py) classify
every difference. An adopted object is redefined with the stack's description on `up`, so a
difference that needs a restart leaves the VM with a pending restart, and one the rules call
a replace makes a different object: either is what the probe exists to catch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libvirt
import pulumi
import yaml

from components.config.load import SECTIONS, StackConfigError, parse_stack_config
from components.estate import build_estate
from components.plan.registrations import (
    SECRET_TEXT,
    UNKNOWN_TEXT,
    RecordingMonitor,
    Registration,
    offline,
)
from components.providers.base import LibvirtProvider
from components.providers.connection import connect
from components.spec.changes import CONNECTION_KEY, Effect, FieldChange

DISRUPTIVE = (Effect.RESTART, Effect.MIGRATE, Effect.REPLACE)
PROJECT = "kvm-estate"


class ProbeError(RuntimeError):
    """The stack file is invalid or a host cannot be read; the message names which."""


@dataclass(frozen=True)
class ObjectReport:
    """One libvirt object of the stack: found or not, and how it differs from the stack."""

    kind: str
    name: str
    host: str
    found: bool
    changes: tuple[FieldChange, ...] = ()

    def disruptive(self) -> list[FieldChange]:
        """The differences `up` would apply with a restart or a replace."""
        return [c for c in self.changes if c.effect in DISRUPTIVE]


@dataclass
class ProbeReport:
    """Every object the stack describes, as its host has it."""

    objects: list[ObjectReport] = field(default_factory=list)

    def disruptive(self) -> bool:
        """True when the first `up` would restart or replace anything."""
        return any(o.disruptive() for o in self.objects)

    def text(self) -> str:
        """A line per restart or replace (old → new, effect), and per object the fields
        updated live (ownership tag, lifecycle settings), then the verdict."""
        lines = []
        for obj in self.objects:
            where = f"{obj.kind} {obj.name!r} on {obj.host}"
            if not obj.found:
                lines.append(f"  {where}: not found; the first up creates it")
            for change in obj.disruptive():
                lines.append(
                    f"  {where}: {change.key}: {_short(change.old)} → {_short(change.new)} "
                    f"({change.effect})"
                )
            live = [c.key for c in obj.changes if c.effect not in DISRUPTIVE]
            if live:
                lines.append(f"  {where}: updated live: {', '.join(live)}")
        verdict = (
            "the first `pulumi up` would restart or replace something (exit 2)"
            if self.disruptive()
            else "the first `pulumi up` restarts and replaces nothing"
        )
        return "\n".join([f"probe: {len(self.objects)} objects read; {verdict}", *lines])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def stack_sections(stack_file: Path, project: str = PROJECT) -> dict[str, Any]:
    """The `<project>:<section>` values of a stack file, by section."""
    try:
        data = yaml.safe_load(stack_file.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ProbeError(f"{stack_file}: cannot read ({err})") from None
    config = data.get("config") or {}
    return {key: config[f"{project}:{key}"] for key in SECTIONS if f"{project}:{key}" in config}


def desired_resources(sections: Mapping[str, Any], stack: str) -> list[Registration]:
    """The custom resources the stack registers, with the inputs `up` will send."""
    try:
        config = parse_stack_config(sections, stack)
    except StackConfigError as err:
        raise ProbeError(str(err)) from None
    monitor = RecordingMonitor()
    pulumi.runtime.set_mocks(
        monitor.mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor
    )

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> None:
        build_estate(config)

    with offline():
        run()
    return [r for r in monitor.registrations.values() if r.custom and r.provider]


def _known(props: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs without what only the apply knows (or a secret): those cannot be compared."""
    return {k: v for k, v in props.items() if v not in (None, UNKNOWN_TEXT, SECRET_TEXT)}


Lookup = Callable[[libvirt.virConnect, Mapping[str, Any]], str | None]


def _missing(call: Callable[[], str]) -> str | None:
    try:
        return call()
    except libvirt.libvirtError as err:
        if "not found" in str(err).lower() or err.get_error_code() in (
            libvirt.VIR_ERR_NO_DOMAIN,
            libvirt.VIR_ERR_NO_NETWORK,
            libvirt.VIR_ERR_NO_STORAGE_POOL,
            libvirt.VIR_ERR_NO_STORAGE_VOL,
        ):
            return None
        raise


LOOKUPS: dict[str, Lookup] = {
    "Domain": lambda c, p: _missing(lambda: c.lookupByName(p["name"]).UUIDString()),
    "Network": lambda c, p: _missing(lambda: c.networkLookupByName(p["name"]).UUIDString()),
    "StoragePool": lambda c, p: _missing(lambda: c.storagePoolLookupByName(p["name"]).UUIDString()),
    "Volume": lambda c, p: _missing(
        lambda: c.storagePoolLookupByName(p["pool"]).storageVolLookupByName(p["name"]).key()
    ),
}
"""How each kind of object is found by the name the stack gives it: its provider's id."""


def _provider(reference: str) -> LibvirtProvider[Any]:
    module, _, qualname = reference.partition(":")
    cls = getattr(importlib.import_module(module), qualname)
    provider: LibvirtProvider[Any] = cls()
    return provider


def probe_object(registration: Registration) -> ObjectReport | None:
    """Read one object and classify how it differs from the stack (None: not probed)."""
    kind = registration.type.rsplit(":", 1)[-1]
    lookup = LOOKUPS.get(kind)
    if lookup is None or registration.provider is None:
        return None
    desired = _known(registration.inputs)
    uri = str(desired[CONNECTION_KEY])
    provider = _provider(registration.provider)
    try:
        conn = connect(uri)
        object_id = lookup(conn, desired)
        if object_id is None:
            return ObjectReport(kind, str(desired.get("name")), uri, found=False)
        read = provider.read_object(conn, object_id, provider.spec_of(desired), desired)
    except libvirt.libvirtError as err:
        raise ProbeError(f"{kind} {desired.get('name')!r} on {uri}: {err}") from None
    if read is None:
        return ObjectReport(kind, str(desired.get("name")), uri, found=False)
    live, computed = read
    live_props = {
        k: v
        for k, v in provider.outputs(desired, live, computed).items()
        if k in desired or k not in registration.inputs
    }
    changes = tuple(provider.changes(live_props, desired))
    return ObjectReport(kind, str(desired.get("name")), uri, found=True, changes=changes)


READERS = 8
"""Objects read at once: libvirt calls wait on the daemon, not on this process."""


def probe_stack(stack_file: Path, stack: str) -> ProbeReport:
    """Read every object of the stack file from its host and classify the differences."""
    registrations = desired_resources(stack_sections(stack_file), stack)
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        results = list(pool.map(probe_object, registrations))
    return ProbeReport([r for r in results if r is not None])
