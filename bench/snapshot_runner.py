"""The snapshot runner on one lab host with 20 governed VMs, and our per-snapshot overhead.

1. Runner wall time: 20 stopped BIOS VMs (qcow2 CoW disks, internal snapshots) under an
   hourly policy with keepLast 3; four hourly runs on a simulated clock (the 4th also prunes
   one snapshot per VM), then a rerun in the same hour (nothing to do).
2. Per-snapshot overhead: `take_snapshot` (read the domain XML, plan the kind, create with
   our tag, read the result back) vs a bare `snapshotCreateXML` on the same VM, median of
   `--snapshots` each (taken alternately, as every snapshot makes the next one a little
   slower), deleted afterwards.

    venv/bin/python -m bench.snapshot_runner [--vms 20] [--snapshots 30] [--running]

`--running` starts the VMs first (internal snapshots then include memory: slower).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import libvirt

from bench.lab_session import BenchLab, base_image, bench_lab
from components.providers.domain import DomainProvider
from components.providers.snapshots.hosts import LibvirtSnapshotHost
from components.providers.snapshots.kinds import SnapshotOptions
from components.providers.snapshots.operations import take_snapshot
from components.providers.volume import VolumeProvider
from components.snapshots.runner import Runner
from components.spec.domain import Disk, DomainSpec
from components.spec.ownership import Ownership
from components.spec.snapshot import SnapshotTag
from components.spec.snapshot_policy import SnapshotPolicySpec
from components.spec.volume import VolumeSpec

MIB = 1024**2
POLICY = SnapshotPolicySpec(name="hourly", schedule="hourly", keep_last=3)
STACK = "bench"


def make_vms(lab: BenchLab, count: int, running: bool) -> list[str]:
    """`count` governed VMs (domain provider, so the policy is in their metadata)."""
    base = base_image(lab.scratch)
    volumes, domains = VolumeProvider(), DomainProvider()
    base_props = {"connectionUri": lab.host.uri}
    base_out = volumes.create(
        {
            **base_props,
            **VolumeProvider.wire(
                VolumeSpec(name="base.qcow2", pool=lab.pool_name, source={"path": str(base)})
            ),
        }
    ).outs
    names = [f"snapvm-{i:02d}" for i in range(count)]
    for name in names:
        vol = VolumeSpec(
            name=f"{name}.qcow2",
            pool=lab.pool_name,
            capacity_bytes=64 * MIB,
            backing_path=base_out["path"],
            backing_format="qcow2",
        )
        volumes.create({**base_props, **VolumeProvider.wire(vol)})
        spec = DomainSpec(
            name=name,
            domain_type="qemu",
            ownership=Ownership(project="bench", stack=STACK, name=name),
            snapshot_policy=POLICY,
            memory_mib=96,
            max_memory_mib=96,
            vcpus=1,
            max_vcpus=1,
            kernel=str(lab.guest.kernel),
            initrd=str(lab.guest.initrd),
            cmdline=lab.guest.cmdline(name, mode="loop"),
            disks=[Disk(pool=lab.pool_name, volume=f"{name}.qcow2", target="vda")],
            running=running,
        )
        domains.create({**base_props, **DomainProvider.wire(spec)})
    return names


def runner_rounds(lab: BenchLab, vms: int) -> None:
    host = LibvirtSnapshotHost(lab.host.uri, stack=STACK)
    start = datetime(2024, 5, 1, 0, 5, tzinfo=UTC)
    for hour in range(4):
        now = start + timedelta(hours=hour)
        began = time.perf_counter()
        report = Runner([host], clock=lambda now=now: now, tz=UTC, out=lambda _l: None).run()
        took = time.perf_counter() - began
        assert not report.failures, report.failures
        print(
            f"run {hour + 1}: {vms} VMs, {len(report.created)} snapshots taken, "
            f"{len(report.deleted)} pruned: {took:.2f} s ({took / vms * 1000:.0f} ms per VM)"
        )
    began = time.perf_counter()
    again = start + timedelta(hours=3, minutes=30)
    report = Runner([host], clock=lambda: again, tz=UTC, out=lambda _l: None).run()
    took = time.perf_counter() - began
    assert not report.created and not report.deleted
    print(f"rerun in the same hour: nothing to do: {took:.2f} s")


def overhead(lab: BenchLab, name: str, count: int) -> None:
    conn = libvirt.open(lab.host.uri)
    try:
        dom = conn.lookupByName(name)
        ours, bare = [], []
        tag = SnapshotTag("declared", datetime.now(UTC))

        def take_ours(i: int) -> None:
            began = time.perf_counter()
            take_snapshot(dom, f"ours-{i}", tag, SnapshotOptions())
            ours.append(time.perf_counter() - began)

        def take_bare(i: int) -> None:
            began = time.perf_counter()
            dom.snapshotCreateXML(f"<domainsnapshot><name>bare-{i}</name></domainsnapshot>", 0)
            bare.append(time.perf_counter() - began)

        for i in range(count):  # alternate who goes first: each snapshot makes the next slower
            for take in (take_ours, take_bare) if i % 2 == 0 else (take_bare, take_ours):
                take(i)
        for snap in dom.listAllSnapshots(0):
            if snap.getName().startswith(("ours-", "bare-")):
                snap.delete(0)
    finally:
        conn.close()
    o, b = statistics.median(ours), statistics.median(bare)
    print(
        f"per snapshot (median of {count}): ours {o * 1000:.1f} ms, bare libvirt "
        f"{b * 1000:.1f} ms, overhead {(o - b) * 1000:.1f} ms ({o / b:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vms", type=int, default=20)
    parser.add_argument("--snapshots", type=int, default=30)
    parser.add_argument("--running", action="store_true")
    args = parser.parse_args()
    with bench_lab("snapbench") as lab:
        names = make_vms(lab, args.vms, args.running)
        print(f"{args.vms} governed VMs ({'running' if args.running else 'stopped'})")
        runner_rounds(lab, args.vms)
        overhead(lab, names[0], args.snapshots)
        conn = libvirt.open(lab.host.uri)
        try:
            for dom in conn.listAllDomains(0):
                if dom.isActive():
                    dom.destroy()
                for snap in dom.listAllSnapshots(0):
                    snap.delete(0)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
