"""Many volumes created and deleted at once in one pool through the real plugin process.

One lab host; `python -m pulumi.dynamic` (4 gRPC workers, as under the engine) driven from 8
client threads: N volume creates at once, then N deletes at once, `--runs` times. Prints the
failures and wall time of each phase, and the cost of one provider call (a volume read)
through the plugin process against a direct call in this process.

    venv/bin/python -m bench.plugin_parallel [--volumes 40] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from bench.lab_session import bench_lab
from components.providers.volume import VolumeProvider
from tests.components.providers.parallel import failures, run_all
from tests.components.providers.plugin_client import PluginProcess

MIB = 1024**2


def _phase(label: str, call: Any, items: list[Any]) -> list[Any]:
    started = time.monotonic()
    outcomes = run_all(call, items)
    failed = failures(outcomes)
    took = time.monotonic() - started
    print(f"  {label}: {len(items) - len(failed)}/{len(items)} ok in {took:.2f} s")
    for line in failed[:3]:
        print(f"    e.g. {line[:160]}")
    return [o.result for o in outcomes if o.result is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--volumes", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    volumes = VolumeProvider()
    with bench_lab("par") as lab:
        uri, pool = lab.host.uri, lab.pool_name
        plugin = PluginProcess()
        try:
            for run in range(args.runs):
                print(f"run {run + 1}: {args.volumes} volumes in one pool, 8 client threads")
                names = [f"par-{run}-{i:02d}.qcow2" for i in range(args.volumes)]
                made = _phase(
                    "create",
                    lambda n: plugin.check_and_create(
                        volumes,
                        {
                            "connectionUri": uri,
                            "pool": pool,
                            "format": "qcow2",
                            "name": n,
                            "capacityBytes": 16 * MIB,
                        },
                    ),
                    names,
                )
                _phase("delete", lambda r: plugin.delete(volumes, *r), made)
            vol_id, outs = plugin.check_and_create(
                volumes, {"connectionUri": uri, "pool": pool, "name": "par-read.qcow2",
                          "format": "qcow2", "capacityBytes": MIB}
            )  # fmt: skip
            through, direct = [], []
            for _ in range(50):
                started = time.perf_counter()
                plugin.read(volumes, vol_id, outs)
                through.append(time.perf_counter() - started)
                started = time.perf_counter()
                volumes.read(vol_id, outs)
                direct.append(time.perf_counter() - started)
            plugin.delete(volumes, vol_id, outs)
            print(
                f"one read: through the plugin {statistics.median(through) * 1000:.1f} ms, "
                f"direct {statistics.median(direct) * 1000:.1f} ms (medians of 50)"
            )
        finally:
            plugin.close()


if __name__ == "__main__":
    main()
