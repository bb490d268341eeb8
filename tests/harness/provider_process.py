"""The Python dynamic provider host, run in-process: the SDK's own `pulumi/dynamic/__main__.py`.

Under the engine, every dynamic resource is served by the `pulumi-resource-pulumi-python`
plugin, a process running `pulumi.dynamic.__main__`: a gRPC `ResourceProvider` servicer that
unpickles `__provider` with dill (cached per process), calls `configure` once with the stack
config, then the provider's check/diff/create/read/update/delete, and (de)serializes properties
with the SDK's rpc module. The harness executes that very file (minus its final `main()`, which
would start a gRPC server and block) and calls the servicer's methods with real protobuf
requests, so `__provider` handling, (de)serialization, unknowns and secrets behave as under the
engine. One `DynamicProviderProcess` per harness run mirrors one plugin process per deployment:
the provider cache starts empty every run.

Differences from a real process, which users must know: the provider code runs in the test
process, so module-level state (class registries, cached connections) is shared with the
program; each servicer call runs in a fresh `contextvars.Context`, because the host
reconfigures the SDK's global settings, which must not leak into the running program.
"""

from __future__ import annotations

import contextvars
import importlib.util
import types
from collections.abc import Mapping
from typing import Any, NoReturn

from google.protobuf.message import Message  # type: ignore[import-untyped]
from pulumi.runtime.proto import provider_pb2

from tests.harness.errors import HarnessError
from tests.harness.property_values import wire_to_struct

_SERVICER_MODULE = "pulumi.dynamic.__main__"
_ENTRY_POINT_CALL = "\nmain()"


class ProviderAbortedError(Exception):
    """The servicer aborted the call; `details` is what it would send over gRPC."""

    def __init__(self, details: str) -> None:
        self.details = details
        super().__init__(details)


class _ServicerContext:
    """The part of `grpc.ServicerContext` the dynamic provider servicer uses."""

    def abort(self, code: object, details: str) -> NoReturn:
        raise ProviderAbortedError(details)

    def set_code(self, code: object) -> None:
        """Only used by methods the dynamic host does not implement."""

    def set_details(self, details: str) -> None:
        """Only used by methods the dynamic host does not implement."""


class DynamicProviderProcess:
    """One instance of the SDK's dynamic provider host, configured with the stack config."""

    def __init__(self, config: Mapping[str, str]) -> None:
        module = _load_servicer_module()
        self._servicer = module.DynamicResourceProviderServicer()
        self.call(
            "Configure",
            provider_pb2.ConfigureRequest(
                args=wire_to_struct(config), acceptSecrets=True, acceptResources=True
            ),
        )

    def call(self, method: str, request: Message) -> Any:
        """Invoke one servicer method; raises `ProviderAbortedError` when the provider raised."""
        handler = getattr(self._servicer, method)
        return contextvars.Context().run(handler, request, _ServicerContext())


def _load_servicer_module() -> types.ModuleType:
    """Execute `pulumi/dynamic/__main__.py` without its trailing `main()` call."""
    spec = importlib.util.find_spec(_SERVICER_MODULE)
    if spec is None or spec.origin is None:
        raise HarnessError(f"cannot find {_SERVICER_MODULE} in the installed Pulumi SDK")
    with open(spec.origin, encoding="utf-8") as source_file:
        source = source_file.read()
    body, found, tail = source.rpartition(_ENTRY_POINT_CALL)
    if not found or tail.strip():
        raise HarnessError(
            f"{spec.origin} no longer ends with `main()`; the harness must be adapted to this SDK"
        )
    module = types.ModuleType("pulumi_dynamic_provider_host")
    module.__file__ = spec.origin
    exec(compile(body, spec.origin, "exec"), module.__dict__)
    return module
