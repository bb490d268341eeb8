"""A stack written by an older main keeps working: `up` would create and delete nothing.

Provider instances are pickled into the state by reference (module + class, via dill), so
every module path the fixture records must still import; and a resource whose URN changed
(type token, name or parent type) would be deleted and re-created. The fixture was written
by `fixtures/write_state_fixture.py` on main at 383f418: a lab estate with every component
type and every provider kind.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import dill
import pytest
from pulumi.dynamic import ResourceProvider
from pulumi.runtime._serialization import _deserialize
from pulumi.runtime.mocks import MockMonitor

from tests.components.mocks import RecordingMocks, run_program
from tests.harness.checkpoint import Checkpoint, ResourceState
from tests.harness.fixtures.estate_program import estate_with_a_snapshot
from tests.harness.goal import STACK_TYPE
from tests.harness.property_values import reveal

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STATE = FIXTURES / "state_written_by_main_383f418.json"
RUN: dict[str, Any] = json.loads((FIXTURES / "state_written_by_main_383f418.run.json").read_text())

PROVIDER_KINDS = {
    "CloudInitSeed",
    "DhcpReservation",
    "Domain",
    "HostFacts",
    "Network",
    "NetworkReference",
    "Snapshot",
    "StoragePool",
    "Volume",
}
COMPONENT_TYPES = {
    "BridgedNetwork",
    "ExistingNetwork",
    "IsolatedNetwork",
    "KvmHost",
    "NatNetwork",
    "RoutedNetwork",
    "Snapshot",
    "SnapshotPolicy",
    "StoragePool",
    "VirtualMachine",
    "VmTemplate",
}


def _load_provider(serialized: str) -> ResourceProvider:
    """What the plugin's `get_provider` does (pulumi/dynamic/__main__.py, which starts a gRPC
    server when imported, so it cannot be imported here): dill, under the SDK's
    `_deserialize`."""
    provider = _deserialize(lambda: dill.loads(base64.b64decode(serialized)))
    assert isinstance(provider, ResourceProvider)
    return provider


def _recorded() -> list[ResourceState]:
    return Checkpoint(STATE, RUN["project"], RUN["stack"]).load()


class _EngineUrns(MockMonitor):
    """The SDK's mock monitor with the engine's URNs (the harness's rule: the parent's type
    joined by `$`, the root stack never part of a URN), as the fixture records them."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        parent_type = parent.split("::")[2] if parent else STACK_TYPE
        qualified = type_ if parent_type == STACK_TYPE else f"{parent_type}${type_}"
        return f"urn:pulumi:{RUN['stack']}::{RUN['project']}::{qualified}::{name}"


def test_the_fixture_holds_every_provider_kind_and_component_type() -> None:
    types = {r.type for r in _recorded()}
    dynamic = {t.removeprefix("pulumi-python:dynamic/kvm:") for t in types if "dynamic" in t}
    components = {t.removeprefix("kvm:index:") for t in types if t.startswith("kvm:index:")}
    assert dynamic == PROVIDER_KINDS
    assert components == COMPONENT_TYPES


@pytest.mark.parametrize(
    "resource",
    [r for r in _recorded() if r.custom],
    ids=lambda r: r.name,
)
def test_every_recorded_provider_deserialises(resource: ResourceState) -> None:
    """With the SDK's own deserialiser, as the plugin does before any call on the resource."""
    provider = _load_provider(reveal(resource.outputs["__provider"]))
    kind = resource.type.rsplit(":", 1)[-1]
    assert type(provider).__name__ == f"{kind}Provider"


def test_the_current_program_registers_every_recorded_urn() -> None:
    monitor: list[_EngineUrns] = []

    def make_monitor(mocks: RecordingMocks) -> _EngineUrns:
        monitor.append(_EngineUrns(mocks))
        return monitor[0]

    run_program(
        estate_with_a_snapshot, RUN["stack"], RUN["config"], RUN["project"], monitor=make_monitor
    )
    registered = set(monitor[0].resources)
    recorded = {r.urn for r in _recorded() if r.type != STACK_TYPE}
    assert sorted(recorded - registered) == [], "up would delete these"
    assert sorted(registered - recorded) == [], "up would create these"
