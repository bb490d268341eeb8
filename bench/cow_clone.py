"""Copy-on-write clone of a 10 GiB-virtual base volume: time and allocated bytes.

Goal: < 0.2 s and < 1 MiB allocated per clone. Runs the Volume provider (check + create)
on one lab host, several times, and prints the median and the worst allocation.

    venv/bin/python -m bench.cow_clone [--clones 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from bench.lab_session import bench_lab
from components.providers.volume import VolumeProvider


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clones", type=int, default=10)
    args = parser.parse_args()
    with bench_lab() as lab:
        volumes = VolumeProvider()
        uri = lab.host.uri
        base = volumes.create(
            volumes.check(
                {},
                {
                    "connectionUri": uri,
                    "name": "base10g.qcow2",
                    "pool": lab.pool_name,
                    "capacityBytes": 10 * 1024**3,
                },
            ).inputs
        )
        subprocess.run(
            ["qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 64M", base.outs["path"]],
            check=True,
            capture_output=True,
        )
        times, allocations, made = [], [], []
        for i in range(args.clones):
            props = volumes.check(
                {},
                {
                    "connectionUri": uri,
                    "name": f"clone{i}.qcow2",
                    "pool": lab.pool_name,
                    "capacityBytes": 10 * 1024**3,
                    "backingPath": base.outs["path"],
                    "backingFormat": "qcow2",
                },
            ).inputs
            start = time.perf_counter()
            result = volumes.create(props)
            times.append(time.perf_counter() - start)
            allocations.append(result.outs["allocationBytes"])
            made.append(result)
        print(
            f"clone time median {statistics.median(times) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms (goal < 200 ms)"
        )
        print(
            f"allocated per clone: max {max(allocations)} bytes "
            f"({max(allocations) / 1024:.0f} KiB; goal < 1 MiB)"
        )
        for result in [*made, base]:
            volumes.delete(result.id, result.outs)


if __name__ == "__main__":
    main()
