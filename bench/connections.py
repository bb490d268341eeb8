"""libvirt connections opened per host while a 20-VM stack is applied through the providers.

On one lab host, in this one process (as in the engine's provider process): the host's
facts, then per VM a volume and a domain (defined, not started: the count does not depend on
booting), then a refresh (read of every resource) and a destroy (delete in reverse). Prints
the connections opened per host URI (goal: 1) and how long each phase took.

    venv/bin/python -m bench.connections [--vms 20]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from pulumi.dynamic import ResourceProvider

from bench.lab_session import bench_lab
from components.providers import connection
from components.providers.domain import DomainProvider
from components.providers.host_facts_resource import HostFactsProvider
from components.providers.volume import VolumeProvider
from components.spec.domain import Disk, DomainSpec
from components.spec.ownership import Ownership
from components.spec.volume import VolumeSpec

MIB = 1024**2
Made = tuple[ResourceProvider, str, dict[str, Any]]


def _apply(uri: str, pool: str, vms: int) -> list[Made]:
    """check + create, in registration order, as `pulumi up` does for a new stack."""
    made: list[Made] = []

    def create(provider: ResourceProvider, props: dict[str, Any]) -> None:
        result = provider.create(provider.check({}, props).inputs)
        made.append((provider, str(result.id), dict(result.outs or {})))

    create(HostFactsProvider(), {"connectionUri": uri})
    volumes, domains = VolumeProvider(), DomainProvider()
    for i in range(vms):
        name = f"conn-vm{i:02d}"
        volume = VolumeSpec(name=f"{name}.qcow2", pool=pool, capacity_bytes=64 * MIB)
        create(volumes, {"connectionUri": uri, **volumes.wire(volume)})
        domain = DomainSpec(
            name=name,
            domain_type="qemu",
            ownership=Ownership(project="bench", stack="conn", name=name),
            memory_mib=64,
            max_memory_mib=64,
            vcpus=1,
            max_vcpus=1,
            disks=[Disk(pool=pool, volume=f"{name}.qcow2", target="vda")],
            running=False,
        )
        create(domains, {"connectionUri": uri, **domains.wire(domain)})
    return made


def _refresh(made: list[Made]) -> None:
    for provider, id_, outs in made:
        provider.read(id_, outs)


def _destroy(made: list[Made]) -> None:
    for provider, id_, outs in reversed(made):
        provider.delete(id_, outs)


def _timed(label: str, run: Callable[[], object]) -> None:
    start = time.perf_counter()
    run()
    print(f"{label:8s} {time.perf_counter() - start:7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=20)
    args = parser.parse_args()
    with bench_lab("conn") as lab:
        uri = lab.host.uri
        made: list[Made] = []
        _timed("apply", lambda: made.extend(_apply(uri, lab.pool_name, args.vms)))
        _timed("refresh", lambda: _refresh(made))
        _timed("destroy", lambda: _destroy(made))
        print(f"resources: {len(made)} ({args.vms} VMs: a volume and a domain each, host facts)")
        for host_uri, count in sorted(connection.opened.items()):
            print(f"connections opened to {host_uri}: {count} (goal 1)")
        connection.close_all()


if __name__ == "__main__":
    main()
