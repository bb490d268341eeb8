"""Live migration wall time and downtime: shared storage vs copy storage.

Two lab hosts; a running tiny guest is moved A → B and back by the Domain provider's update
(the path `pulumi up` takes when a VM's host changes), with its disk in a directory both
hosts share (declared shared) or in each host's private images directory (copied over NBD).
Downtime comes from libvirt's completed-job statistics.

    venv/bin/python -m bench.migration [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics

from components.providers.connection import connect
from components.providers.domain import DomainProvider
from components.providers.migration import migrate
from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from components.spec.domain import Disk, DomainSpec, MigrationSettings, SerialConsole
from tests.lab.base_image import make_base_image
from tests.lab.guest_build import build_tiny_guest
from tests.lab.hosts import Lab


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    guest = build_tiny_guest()
    lab = Lab.start(2)
    try:
        a, b = lab.hosts
        shared_dir = lab.scratch_dir("shared")
        image = make_base_image(lab.scratch_dir("img") / "base.qcow2", size_mib=64)
        for mode, path in (
            ("shared", str(shared_dir / "pool")),
            ("copy", "/var/lib/libvirt/images/bench"),
        ):
            pools, volumes, domains = StoragePoolProvider(), VolumeProvider(), DomainProvider()
            made = []
            for host in (a, b):
                props = {
                    "connectionUri": host.uri,
                    "name": f"bench-{mode}",
                    "path": path,
                    "shared": mode == "shared",
                }
                made.append((host, pools.create(pools.check({}, props).inputs)))
                if mode == "copy" or host is a:
                    base = {
                        "connectionUri": host.uri,
                        "name": "base.qcow2",
                        "pool": f"bench-{mode}",
                        "source": {"path": str(image)},
                        "shared": mode == "shared",
                    }
                    volumes.create(volumes.check({}, base).inputs)
                if mode == "copy" or host is a:
                    disk = {
                        "connectionUri": host.uri,
                        "name": "disk.qcow2",
                        "pool": f"bench-{mode}",
                        "capacityBytes": 64 * 1024**2,
                        "backingPath": f"{path}/base.qcow2",
                        "backingFormat": "qcow2",
                    }
                    volumes.create(volumes.check({}, disk).inputs)
            spec = DomainSpec(
                name=f"bench-{mode}",
                domain_type="qemu",
                memory_mib=128,
                max_memory_mib=128,
                vcpus=1,
                max_vcpus=1,
                kernel=str(guest.kernel),
                initrd=str(guest.initrd),
                cmdline=guest.cmdline("bench", mode="loop"),
                disks=[Disk(pool=f"bench-{mode}", volume="disk.qcow2", target="vda")],
                serial=SerialConsole(log_file=f"/var/log/libvirt/qemu/bench-{mode}-serial.log"),
                migration=MigrationSettings(
                    shared_storage=mode == "shared",
                    unsafe=mode == "shared",
                    address="127.0.0.1",
                    listen_address="127.0.0.1",
                ),
            )
            created = domains.create(
                domains.check({}, {"connectionUri": a.uri, **domains.wire(spec)}).inputs
            )
            outs = dict(created.outs or {})
            times: list[float] = []
            downtimes: list[int] = []
            settings = spec.migration or MigrationSettings()
            here, there = connect(a.uri), connect(b.uri)
            for _ in range(args.runs * 2):
                dom = here.lookupByUUIDString(created.id)
                _, report = migrate(dom, here, there, there.getURI(), settings)
                times.append(report.seconds)
                if report.downtime_ms is not None:
                    downtimes.append(report.downtime_ms)
                here, there = there, here
            print(
                f"{mode:6s} storage: migration median {statistics.median(times):.2f} s "
                f"(n={len(times)}), downtime median "
                f"{statistics.median(downtimes) if downtimes else 'n/a'} ms"
            )
            domains.delete(created.id, outs)
    finally:
        lab.stop()


if __name__ == "__main__":
    main()
