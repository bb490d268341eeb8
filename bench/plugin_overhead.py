"""What one provider call costs through the plugin process, against a direct call.

The same provider method (a `check` that returns its inputs, and a `read` of a libvirt-free
object) called N times directly in this process, then through `python -m pulumi.dynamic` over
gRPC as the harness (and the engine) calls it: request marshalling, the gRPC round trip, the
plugin's unpickling cache lookup and its (de)serialization.

    venv/bin/python -m bench.plugin_overhead [--calls 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from pulumi.dynamic import CheckResult, ReadResult, ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from tests.harness.property_values import wire_to_struct
from tests.harness.provider_process import DynamicProviderProcess

PROPS = {
    "name": "vm-1",
    "memory": 512,
    "disks": [{"pool": "p", "volume": f"v{i}"} for i in range(4)],
}


class EchoProvider(ResourceProvider):
    """Does nothing, so what is measured is the way to the provider and back."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)


def _per_call_us(run: Any, calls: int) -> float:
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            run()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    provider = EchoProvider()
    direct_check = _per_call_us(lambda: provider.check({}, dict(PROPS)), args.calls)
    direct_read = _per_call_us(lambda: provider.read("id-1", dict(PROPS)), args.calls)
    wire = {**PROPS, "__provider": serialize_provider(provider)}
    lines: list[str] = []
    start = time.perf_counter()
    with DynamicProviderProcess(
        {}, cwd=os.getcwd(), project="bench", on_output=lines.append
    ) as plugin:
        started = time.perf_counter() - start
        check = provider_pb2.CheckRequest(
            urn="urn:pulumi:b::bench::pulumi-python:dynamic:Resource::vm-1",
            olds=wire_to_struct({}),
            news=wire_to_struct(wire),
        )
        read = provider_pb2.ReadRequest(
            id="id-1", urn=check.urn, properties=wire_to_struct(wire), inputs=wire_to_struct(wire)
        )
        plugin.call("Check", check)
        via_check = _per_call_us(lambda: plugin.call("Check", check), args.calls)
        via_read = _per_call_us(lambda: plugin.call("Read", read), args.calls)
    print(f"plugin process start + Configure: {started * 1000:.0f} ms")
    print(
        f"check: direct {direct_check:.1f} us, through the plugin {via_check:.1f} us "
        f"(+{via_check - direct_check:.0f} us per call)"
    )
    print(
        f"read:  direct {direct_read:.1f} us, through the plugin {via_read:.1f} us "
        f"(+{via_read - direct_read:.0f} us per call)"
    )
    print("load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
