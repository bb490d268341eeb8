"""A static lease + DNS record changed in place vs replacing the network.

In place: the Network provider's update (virNetworkUpdate on live + persistent config).
Replace: what a subnet change costs — delete and create the network (bridge, dnsmasq,
firewall rules) — on one lab host, with no VM attached. Median of several runs.

    venv/bin/python -m bench.network_update [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from components.providers.network import NetworkProvider
from tests.lab.hosts import Lab


def _inputs(uri: str, leases: int, records: int) -> dict[str, Any]:
    hosts = [{"mac": f"52:54:00:00:10:{i:02x}", "ip": f"10.233.1.{20 + i}"} for i in range(leases)]
    dns = [{"ip": f"10.233.1.{20 + i}", "hostnames": [f"h{i}.bench"]} for i in range(records)]
    return {
        "connectionUri": uri,
        "name": "bench-net",
        "forwardMode": "nat",
        "ips": [
            {
                "address": "10.233.1.1",
                "prefix": 24,
                "dhcpRanges": [{"start": "10.233.1.100", "end": "10.233.1.200"}],
                "dhcpHosts": hosts,
            }
        ],
        "dnsHosts": dns,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    lab = Lab.start(1)
    try:
        uri = lab.hosts[0].uri
        provider = NetworkProvider()
        current = provider.create(provider.check({}, _inputs(uri, 0, 0)).inputs)
        outs = current.outs
        timings: dict[str, list[float]] = {"lease": [], "dns": [], "replace": []}
        for run in range(1, args.runs + 1):
            for label, wanted in (("lease", (run, run - 1)), ("dns", (run, run))):
                news = provider.check(outs, _inputs(uri, *wanted)).inputs
                start = time.perf_counter()
                outs = provider.update(current.id, outs, news).outs
                timings[label].append(time.perf_counter() - start)
        for _ in range(args.runs):
            news = provider.check(outs, _inputs(uri, args.runs, args.runs)).inputs
            start = time.perf_counter()
            provider.delete(current.id, outs)
            current = provider.create(news)
            timings["replace"].append(time.perf_counter() - start)
            outs = current.outs
        provider.delete(current.id, outs)
        for label, title in (
            ("lease", "static lease added in place"),
            ("dns", "DNS host record added in place"),
            ("replace", "network replaced (delete + create)"),
        ):
            times = timings[label]
            print(
                f"{title:36s} median {statistics.median(times) * 1000:6.1f} ms  "
                f"({', '.join(f'{t * 1000:.0f}' for t in times)})"
            )
    finally:
        lab.stop()


if __name__ == "__main__":
    main()
