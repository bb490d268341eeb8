"""The engine's side of the provider gRPC protocol, spoken to the in-process provider host.

Mirrors what the engine sends and keeps (pulumi/pulumi `proto/pulumi/provider.proto` and
`sdk/go/common/resource/plugin/provider_plugin.go`):
- Check(olds = old *inputs*, news = the program's inputs) → checked inputs; failures stop the
  deployment before any change;
- Diff(olds = old *outputs*, old_inputs, news = checked inputs) → DIFF_SOME / DIFF_NONE /
  DIFF_UNKNOWN, replaces, deleteBeforeReplace;
- Create(properties = checked inputs) → id and outputs; an empty id is an error;
- Update(olds = old outputs, old_inputs, news = checked inputs) → outputs;
- Read(id, properties = saved outputs, inputs = saved inputs) → id ("" means gone), outputs and
  optionally new inputs;
- Delete(id, properties = saved outputs, old_inputs).
The dynamic provider host answers Configure with `acceptSecrets: false`, so secrets are sent as
plain values and the results get their secretness back from the inputs (`annotate_secrets`).
Every call is recorded, and a provider failure becomes a `ProviderStepError` naming the resource
and the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from google.protobuf.message import Message  # type: ignore[import-untyped]
from pulumi.runtime.proto import provider_pb2

from tests.harness.errors import CheckFailedError, ProviderStepError
from tests.harness.property_values import (
    PropertyMap,
    annotate_secrets,
    downgrade_resource_references,
    strip_secrets,
    struct_to_wire,
    wire_to_struct,
)
from tests.harness.provider_process import DynamicProviderProcess, ProviderAbortedError
from tests.harness.results import CallRecorder

DiffChanges = Literal["some", "none", "unknown"]

_DIFF_CHANGES: dict[int, DiffChanges] = {
    provider_pb2.DiffResponse.DIFF_SOME: "some",
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
}


@dataclass(frozen=True)
class ResourceRef:
    """Who a provider call is about: the engine sends URN, name and type with each request."""

    urn: str
    type: str

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class ProviderDiff:
    changes: DiffChanges
    replaces: tuple[str, ...]
    delete_before_replace: bool


@dataclass(frozen=True)
class ProviderRead:
    """`id` is empty when the provider reports the object gone."""

    id: str
    outputs: PropertyMap
    inputs: PropertyMap | None


class ProviderPlugin:
    """Engine-side client of one dynamic provider host."""

    def __init__(self, process: DynamicProviderProcess, recorder: CallRecorder) -> None:
        self._process = process
        self._recorder = recorder

    def check(self, ref: ResourceRef, olds: PropertyMap, news: PropertyMap) -> PropertyMap:
        request = provider_pb2.CheckRequest(
            urn=ref.urn, name=ref.name, type=ref.type, olds=_send(olds), news=_send(news)
        )
        response = self._call("Check", ref, request)
        failures = [(f.property, f.reason) for f in response.failures]
        if failures:
            raise CheckFailedError(ref.urn, failures)
        return annotate_secrets(struct_to_wire(response.inputs), news)

    def diff(
        self,
        ref: ResourceRef,
        resource_id: str,
        old_outputs: PropertyMap,
        old_inputs: PropertyMap,
        news: PropertyMap,
        ignore_changes: tuple[str, ...],
    ) -> ProviderDiff:
        request = provider_pb2.DiffRequest(
            id=resource_id,
            urn=ref.urn,
            name=ref.name,
            type=ref.type,
            olds=_send(old_outputs),
            old_inputs=_send(old_inputs),
            news=_send(news),
            ignoreChanges=list(ignore_changes),
        )
        response = self._call("Diff", ref, request, resource_id)
        return ProviderDiff(
            changes=_DIFF_CHANGES[response.changes],
            replaces=tuple(response.replaces),
            delete_before_replace=response.deleteBeforeReplace,
        )

    def create(self, ref: ResourceRef, inputs: PropertyMap) -> tuple[str, PropertyMap]:
        request = provider_pb2.CreateRequest(
            urn=ref.urn, name=ref.name, type=ref.type, properties=_send(inputs)
        )
        response = self._call("Create", ref, request)
        if not response.id:
            raise ProviderStepError(ref.urn, "create", "provider did not return an ID from Create")
        return response.id, annotate_secrets(struct_to_wire(response.properties), inputs)

    def update(
        self,
        ref: ResourceRef,
        resource_id: str,
        old_outputs: PropertyMap,
        old_inputs: PropertyMap,
        news: PropertyMap,
        ignore_changes: tuple[str, ...],
    ) -> PropertyMap:
        request = provider_pb2.UpdateRequest(
            id=resource_id,
            urn=ref.urn,
            name=ref.name,
            type=ref.type,
            olds=_send(old_outputs),
            old_inputs=_send(old_inputs),
            news=_send(news),
            ignoreChanges=list(ignore_changes),
        )
        response = self._call("Update", ref, request, resource_id)
        return annotate_secrets(struct_to_wire(response.properties), news)

    def read(
        self, ref: ResourceRef, resource_id: str, old_outputs: PropertyMap, old_inputs: PropertyMap
    ) -> ProviderRead:
        request = provider_pb2.ReadRequest(
            id=resource_id,
            urn=ref.urn,
            name=ref.name,
            type=ref.type,
            properties=_send(old_outputs),
            inputs=_send(old_inputs),
        )
        response = self._call("Read", ref, request, resource_id)
        new_inputs = (
            annotate_secrets(struct_to_wire(response.inputs), old_inputs)
            if response.HasField("inputs")
            else None
        )
        return ProviderRead(
            id=response.id,
            outputs=annotate_secrets(struct_to_wire(response.properties), old_outputs),
            inputs=new_inputs,
        )

    def delete(
        self, ref: ResourceRef, resource_id: str, old_outputs: PropertyMap, old_inputs: PropertyMap
    ) -> None:
        request = provider_pb2.DeleteRequest(
            id=resource_id,
            urn=ref.urn,
            name=ref.name,
            type=ref.type,
            properties=_send(old_outputs),
            old_inputs=_send(old_inputs),
        )
        self._call("Delete", ref, request, resource_id)

    def _call(self, method: str, ref: ResourceRef, request: Message, resource_id: str = "") -> Any:
        step = method.lower()
        self._recorder.record(step, ref.urn, resource_id)
        try:
            return self._process.call(method, request)
        except ProviderAbortedError as err:
            raise ProviderStepError(ref.urn, step, err.details) from err


def _send(props: PropertyMap) -> Any:
    """Properties as the engine marshals them for a provider without secrets or references."""
    return wire_to_struct(downgrade_resource_references(strip_secrets(props)))
