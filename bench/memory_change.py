"""A memory change applied live (balloon, within maxMemory) vs one that needs a restart.

Drives the Domain provider's update on one lab host with a running tiny guest, as `pulumi
up` would after `memory` changes in the stack: first within the maximum (live: no restart),
then beyond it (config + graceful shutdown, forced off after shutdownTimeoutSeconds because
the busybox guest ignores ACPI, then start). Median of several runs each.

    venv/bin/python -m bench.memory_change [--runs 5] [--shutdown-timeout 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

import libvirt

from bench.lab_session import bench_lab
from components.providers.domain import DomainProvider
from components.spec.domain import DomainSpec, SerialConsole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shutdown-timeout", type=int, default=2)
    args = parser.parse_args()
    with bench_lab() as lab:
        provider = DomainProvider()
        spec = DomainSpec(
            name="bench-mem",
            domain_type="qemu",
            memory_mib=128,
            max_memory_mib=512,
            vcpus=1,
            max_vcpus=1,
            kernel=str(lab.guest.kernel),
            initrd=str(lab.guest.initrd),
            cmdline=lab.guest.cmdline("bench-mem", mode="loop"),
            serial=SerialConsole(log_file="/var/log/libvirt/qemu/bench-mem-serial.log"),
            shutdown_timeout_seconds=args.shutdown_timeout,
        )
        props = {"connectionUri": lab.host.uri, **provider.wire(spec)}
        created = provider.create(provider.check({}, props).inputs)
        outs = created.outs
        live, restart = [], []
        for run in range(args.runs):
            news = provider.check(outs, {**outs, "memoryMib": 160 + 16 * run}).inputs
            start = time.perf_counter()
            outs = provider.update(created.id, outs, news).outs
            live.append(time.perf_counter() - start)
        for run in range(args.runs):
            size = 640 + 64 * run
            news = provider.check(outs, {**outs, "memoryMib": size, "maxMemoryMib": size}).inputs
            start = time.perf_counter()
            outs = provider.update(created.id, outs, news).outs
            restart.append(time.perf_counter() - start)
        conn = libvirt.open(lab.host.uri)
        assert conn.lookupByName("bench-mem").isActive()
        conn.close()
        provider.delete(created.id, outs)
        for label, times in (
            ("live (within maxMemory)", live),
            ("restart (beyond maxMemory)", restart),
        ):
            print(
                f"{label:28s} median {statistics.median(times) * 1000:8.1f} ms  "
                f"({', '.join(f'{t * 1000:.0f}' for t in times)})"
            )
        print(
            f"(restart includes the {args.shutdown_timeout} s ACPI grace period the busybox "
            "guest never answers)"
        )


if __name__ == "__main__":
    main()
