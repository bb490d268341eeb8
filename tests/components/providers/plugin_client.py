"""A client of the REAL dynamic provider plugin process, as the Pulumi engine talks to it.

Under `pulumi up` every dynamic resource of a deployment is served by one process running
`python -m pulumi.dynamic` (the SDK's `pulumi/dynamic/__main__.py`): a gRPC server with
`ThreadPoolExecutor(max_workers=4)` that prints its port on stdout, unpickles `__provider`
from the properties and calls the provider. `PluginProcess` starts that process with this
venv's python in the repo root, speaks to it with the SDK's own protos
(`ResourceProviderStub`), and (de)serialises properties with `pulumi.runtime.rpc`, so
module state (the connection cache) is shared by concurrent calls exactly as under the
engine. The stub is thread-safe: tests call it from many threads at once.

Provider errors come back as `PluginCallError` (the gRPC details carry the traceback);
the process's stderr (where the provider's `pulumi.log` lines go) is kept for assertions.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.protobuf import struct_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

REPO_ROOT = Path(__file__).resolve().parents[3]
PROVIDER_KEY = "__provider"
START_TIMEOUT = 30.0
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
    """One `python -m pulumi.dynamic` process: one deployment's provider plugin."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._stderr_text = ""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, "PULUMI_PROJECT": "kvmp-tests", **(env or {})},
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError(f"the plugin did not print its port; stderr: {self.stderr()}")
        self.port = int(line)
        self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self._stub.Configure(
            provider_pb2.ConfigureRequest(
                args=_to_struct({}), acceptSecrets=True, acceptResources=True
            )
        )
        self._serialized: dict[int, tuple[ResourceProvider, str]] = {}

    # ---- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        """Stop the process (as the engine does at the end of a deployment)."""
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if not self._stderr.closed:
            self._stderr_text = self.stderr()
            self._stderr.close()

    def stderr(self) -> str:
        """Everything the plugin wrote to stderr so far (the provider's log lines)."""
        if self._stderr.closed:
            return self._stderr_text
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    # ---- provider protocol -----------------------------------------------------------
    def _with_provider(self, provider: ResourceProvider, props: Props) -> Props:
        key = id(provider)
        if key not in self._serialized:  # the provider is kept, so its id is not reused
            self._serialized[key] = (provider, serialize_provider(provider))
        return {**props, PROVIDER_KEY: self._serialized[key][1]}

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request)
        except grpc.RpcError as err:
            raise PluginCallError(method, str(err.details())) from None

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
def plugin_process(env: dict[str, str] | None = None) -> Iterator[PluginProcess]:
    """A plugin process for the block (one deployment), stopped after it."""
    plugin = PluginProcess(env)
    try:
        yield plugin
    finally:
        plugin.close()
