"""A client of the REAL dynamic provider plugin process, as the Pulumi engine talks to it.

Under `pulumi up` every dynamic resource of a deployment is served by one process running
`python -m pulumi.dynamic` (the SDK's `pulumi/dynamic/__main__.py`): a gRPC server with
`ThreadPoolExecutor(max_workers=4)` that prints its port on stdout, unpickles `__provider`
from the properties and calls the provider. `PluginProcess` starts that process in the repo root
through the harness's `DynamicProviderProcess` (the SDK's own protos,
`ResourceProviderStub`), and (de)serialises properties with `pulumi.runtime.rpc`, so
module state (the connection cache) is shared by concurrent calls exactly as under the
engine. The stub is thread-safe: tests call it from many threads at once.

Provider errors come back as `PluginCallError` (the gRPC details carry the traceback);
what the process prints (the provider's `pulumi.log` lines) is kept for assertions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from tests.harness.provider_process import DynamicProviderProcess, ProviderAbortedError

REPO_ROOT = Path(__file__).resolve().parents[3]
PROVIDER_KEY = "__provider"
Props = dict[str, Any]


class PluginCallError(RuntimeError):
    """The provider raised (or the plugin failed) during one call; `details` is the gRPC
    details string, which ends with the provider's exception."""

    def __init__(self, method: str, details: str) -> None:
        self.method = method
        self.details = details
        super().__init__(f"{method}: {details}")


@dataclass(frozen=True)
class Diff:
    changes: bool | None
    replaces: list[str]
    delete_before_replace: bool


def _to_struct(props: Props) -> struct_pb2.Struct:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def _from_struct(struct: struct_pb2.Struct, keep_unknowns: bool = False) -> Props:
    props: Props = rpc.deserialize_properties(struct, keep_unknowns)
    props.pop(PROVIDER_KEY, None)
    return props


class PluginProcess:
    """One `python -m pulumi.dynamic` process: one deployment's provider plugin, started and
    stopped by the harness's own `DynamicProviderProcess` (one client of the plugin)."""

    def __init__(self) -> None:
        self._output: list[str] = []
        self._process = DynamicProviderProcess(
            {}, cwd=REPO_ROOT, project="kvmp-tests", on_output=self._output.append
        )
        self._serialized: dict[int, tuple[ResourceProvider, str]] = {}

    # ---- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        """Stop the process (as the engine does at the end of a deployment)."""
        self._process.stop()

    def stderr(self) -> str:
        """Everything the plugin printed after its port (the provider's log lines)."""
        return "\n".join(self._output)

    # ---- provider protocol -----------------------------------------------------------
    def _with_provider(self, provider: ResourceProvider, props: Props) -> Props:
        key = id(provider)
        if key not in self._serialized:  # the provider is kept, so its id is not reused
            self._serialized[key] = (provider, serialize_provider(provider))
        return {**props, PROVIDER_KEY: self._serialized[key][1]}

    def _call(self, method: str, request: Any) -> Any:
        try:
            return self._process.call(method, request)
        except ProviderAbortedError as err:
            raise PluginCallError(method, err.details) from None

    def check(
        self, provider: ResourceProvider, olds: Props, news: Props
    ) -> tuple[Props, list[tuple[str, str]]]:
        reply = self._call(
            "Check",
            provider_pb2.CheckRequest(
                urn="urn:pulumi:test::kvmp-tests::pulumi-python:dynamic:Resource::r",
                olds=_to_struct(self._with_provider(provider, olds) if olds else {}),
                news=_to_struct(self._with_provider(provider, news)),
            ),
        )
        failures = [(f.property, f.reason) for f in reply.failures]
        return _from_struct(reply.inputs), failures

    def diff(self, provider: ResourceProvider, id_: str, olds: Props, news: Props) -> Diff:
        reply = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id_,
                olds=_to_struct(self._with_provider(provider, olds)),
                news=_to_struct(self._with_provider(provider, news)),
            ),
        )
        changes = {
            provider_pb2.DiffResponse.DIFF_SOME: True,
            provider_pb2.DiffResponse.DIFF_NONE: False,
        }.get(reply.changes)
        return Diff(changes, list(reply.replaces), reply.deleteBeforeReplace)

    def create(self, provider: ResourceProvider, inputs: Props) -> tuple[str, Props]:
        reply = self._call(
            "Create",
            provider_pb2.CreateRequest(
                properties=_to_struct(self._with_provider(provider, inputs))
            ),
        )
        return str(reply.id), _from_struct(reply.properties)

    def read(self, provider: ResourceProvider, id_: str, outputs: Props) -> tuple[str, Props]:
        reply = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=id_, properties=_to_struct(self._with_provider(provider, outputs))
            ),
        )
        return str(reply.id), _from_struct(reply.properties)

    def update(self, provider: ResourceProvider, id_: str, olds: Props, news: Props) -> Props:
        reply = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id_,
                olds=_to_struct(self._with_provider(provider, olds)),
                news=_to_struct(self._with_provider(provider, news)),
            ),
        )
        return _from_struct(reply.properties)

    def delete(self, provider: ResourceProvider, id_: str, outputs: Props) -> None:
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=id_, properties=_to_struct(self._with_provider(provider, outputs))
            ),
        )

    def check_and_create(self, provider: ResourceProvider, news: Props) -> tuple[str, Props]:
        """check then create, as the engine does for a new resource; failures raise."""
        inputs, failures = self.check(provider, {}, news)
        if failures:
            raise PluginCallError("Check", f"{failures}")
        return self.create(provider, inputs)


@contextmanager
def plugin_process() -> Iterator[PluginProcess]:
    """A plugin process for the block (one deployment), stopped after it."""
    plugin = PluginProcess()
    try:
        yield plugin
    finally:
        plugin.close()
