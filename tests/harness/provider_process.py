"""The Python dynamic provider plugin, as a real process: `python -u -m pulumi.dynamic`.

Under the engine every dynamic resource of a deployment is served by one plugin process,
`pulumi-resource-pulumi-python`, a shell shim that runs `python -u -m pulumi.dynamic`
(pulumi/pulumi `sdk/python/dist/pulumi-resource-pulumi-python`). That module
(`sdk/python/lib/pulumi/dynamic/__main__.py`) starts a gRPC `ResourceProvider` server with
`ThreadPoolExecutor(max_workers=4)` on 127.0.0.1, prints its port on stdout and serves until
killed; it unpickles `__provider` with dill (cached per process) and shares module state
(our connection cache) between its 4 worker threads.

The harness does the same as the engine's plugin host (`sdk/go/common/resource/plugin/plugin.go`,
`newPlugin`/`execPlugin`): start the process in the program's directory with the venv's Python,
read the port from stdout, speak gRPC with the SDK's own stubs (`ResourceProviderStub`), send
Configure with the stack config, and turn every later stdout and stderr line into an unattached
info message (`runtrace` → `Diag.Infof`/`Diag.Infoerrf` with an empty URN: shown on the stack
row, not on a resource, not counted as a warning). At the end of the operation the process is
interrupted (SIGINT, as `cmdutil.InterruptChildren`), then killed after 5 seconds. A fresh
process per preview, update, refresh and destroy: nothing in provider memory survives from one
to the next.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf.message import Message  # type: ignore[import-untyped]
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.harness.errors import HarnessError
from tests.harness.property_values import wire_to_struct

PLUGIN_MODULE = "pulumi.dynamic"
STARTUP_TIMEOUT = 30.0
STOP_GRACE = 5.0
"""Seconds between the interrupt and the kill, as the engine's plugin host waits."""

OutputSink = Callable[[str], None]


class ProviderAbortedError(Exception):
    """The provider answered a call with a gRPC error; `details` is its text (a traceback when
    the provider raised)."""

    def __init__(self, details: str) -> None:
        self.details = details
        super().__init__(details)


class DynamicProviderProcess:
    """One running `python -m pulumi.dynamic`, configured with the stack config.

    `on_output` receives each line the process prints after its port, on stdout or stderr
    (without the newline), as it prints it.
    Use as a context manager, or call `stop()`.
    """

    def __init__(
        self,
        config: Mapping[str, str],
        *,
        cwd: str | os.PathLike[str],
        project: str,
        on_output: OutputSink,
    ) -> None:
        self._on_output = on_output
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", PLUGIN_MODULE],
            cwd=Path(cwd),
            env={**os.environ, "PULUMI_PROJECT": project},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        self._drains = [self._drain(self._process.stderr, "stderr")]
        self._channel: Any = None
        try:
            port = self._read_port(self._process.stdout)
            self._drains.append(self._drain(self._process.stdout, "stdout"))
            address = f"127.0.0.1:{port}"
            self._channel = grpc.insecure_channel(address, options=_GRPC_CHANNEL_OPTIONS)
            self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
            self.call(
                "Configure",
                provider_pb2.ConfigureRequest(
                    args=wire_to_struct(config), acceptSecrets=True, acceptResources=True
                ),
            )
        except BaseException:
            self.stop()
            raise

    @property
    def pid(self) -> int:
        return self._process.pid

    def call(self, method: str, request: Message) -> Any:
        """One gRPC call; raises `ProviderAbortedError` when the provider answered an error."""
        try:
            return getattr(self._stub, method)(request)
        except grpc.RpcError as err:
            details = err.details() if hasattr(err, "details") else str(err)
            raise ProviderAbortedError(details or str(err)) from err

    def stop(self) -> None:
        """Interrupt the plugin, kill it if it lingers, and wait until its output is read."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for drain in self._drains:
            drain.join(STOP_GRACE)

    def __enter__(self) -> DynamicProviderProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _read_port(self, stdout: IO[bytes]) -> int:
        result: list[bytes] = []
        reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(STARTUP_TIMEOUT)
        line = result[0].decode(errors="replace").strip() if result else ""
        if not line.isdigit():
            self.stop()
            raise HarnessError(
                f"the provider plugin `{sys.executable} -m {PLUGIN_MODULE}` did not print its "
                f"port (got {line!r}, exit code {self._process.poll()})"
            )
        return int(line)

    def _drain(self, stream: IO[bytes], name: str) -> threading.Thread:
        def forward_lines() -> None:
            for raw in iter(stream.readline, b""):
                line = raw.decode(errors="replace").rstrip("\n")
                if line.strip():
                    self._on_output(line)
            stream.close()

        thread = threading.Thread(target=forward_lines, name=f"provider-{name}", daemon=True)
        thread.start()
        return thread
