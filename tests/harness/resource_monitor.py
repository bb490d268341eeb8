"""The resource monitor the program talks to: the SDK's `MockMonitor`, wired to real steps.

`pulumi.runtime.set_mocks` installs a `MockMonitor` whose RegisterResource asks a `Mocks`
object for fake outputs. Here RegisterResource instead runs the engine's step for the resource
(check/diff and create/update/replace through the real provider, see `step_generator`) and
answers with the real id and outputs. Resources that consume another's outputs therefore see
real values. RegisterResource is called from the SDK's executor threads, concurrently for
registrations that do not wait on each other; nothing here serializes them (the step
generator decides one step at a time, but runs them in parallel).

RegisterResourceOutputs records component and stack outputs (`pulumi.export`) in the state.
Reading existing resources (`Resource.get`) and invokes are not mirrored and fail loudly. The
engine half (`pulumi.log` messages) is captured by `ProgramLog`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from google.protobuf import empty_pb2  # type: ignore[import-untyped]
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockEngine, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import engine_pb2, resource_pb2

from tests.harness.errors import HarnessError, UnsupportedFeatureError
from tests.harness.goal import STACK_TYPE, goal_from_request
from tests.harness.property_values import struct_to_wire, wire_to_struct
from tests.harness.results import LogMessage
from tests.harness.step_generator import StepGenerator


class _NoMocks(Mocks):
    """Reached only for what the harness does not mirror: reads of existing resources, invokes."""

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise UnsupportedFeatureError(f"invoke {args.token!r}: the harness does not mirror invokes")

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        raise UnsupportedFeatureError(
            f"{args.typ} {args.name!r}: reading an existing resource (get/ReadResource) is not "
            "mirrored by the harness"
        )


class HarnessMonitor(MockMonitor):
    def __init__(self, generator: StepGenerator, project: str, stack: str) -> None:
        super().__init__(_NoMocks())
        self._generator = generator
        self._project = project
        self._stack = stack

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN: the parent's full qualified type joined by `$`, except for the root
        stack, which is never part of a URN (`MockMonitor` keeps only the parent's last type,
        and includes the stack)."""
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{self._stack}::{self._project}::{qualified}::{name}"

    def RegisterResource(self, request: Any) -> resource_pb2.RegisterResourceResponse:
        urn = self.make_urn(request.parent, request.type, request.name)
        try:
            goal = goal_from_request(urn, request)
        except HarnessError as err:
            self._generator.fail(err)
            raise
        registered = self._generator.register(goal)
        outputs = wire_to_struct(registered.outputs)
        self.resources[urn] = MockMonitor.ResourceRegistration(
            urn, registered.id, rpc.deserialize_properties(outputs)
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=registered.id, object=outputs)

    def RegisterResourceOutputs(self, request: Any) -> empty_pb2.Empty:
        self._generator.register_outputs(request.urn, struct_to_wire(request.outputs))
        return empty_pb2.Empty()


_LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class ProgramLog(MockEngine):
    """What the user sees of a deployment: the program's `pulumi.log` messages (the engine's Log
    service) and the provider plugin's stderr lines, in the order they arrived; both are
    forwarded to `logging` too."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("tests.harness.program"))
        self._lock = threading.Lock()
        self._messages: list[LogMessage] = []

    def Log(self, request: Any) -> None:
        severity = engine_pb2.LogSeverity.Name(request.severity).lower()
        with self._lock:
            self._messages.append(LogMessage(severity, request.message, request.urn))
        self.logger.log(_LOG_LEVELS.get(severity, logging.INFO), request.message)

    def plugin_output(self, line: str) -> None:
        """A line the provider plugin printed (stdout or stderr): unattached info, as the
        engine's plugin host reports it (`Diag.Infof`/`Infoerrf` with no URN)."""
        with self._lock:
            self._messages.append(LogMessage("info", line))
        self.logger.info("[provider] %s", line)

    def messages(self) -> tuple[LogMessage, ...]:
        with self._lock:
            return tuple(self._messages)
