"""Config of a stack of many small VMs from one template, spread over lab hosts.

Shared by the scale tests and the benchmarks (`bench.harness_scale`): each host gets the pool
`vmstore` in its own images directory (`/var/lib/libvirt/images/<prefix>pool`), the template
`tiny` (gen1, 96 MiB, the tiny guest's kernel) and `per_host` VMs named `vm-<host>-<n>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def fleet_config(
    hosts: Sequence[LabHost],
    image: Path,
    guest: TinyGuest,
    prefix: str,
    per_host: int,
) -> dict[str, Any]:
    return {
        "hosts": {
            # Lab hosts report the machine's few CPUs; tiny guests mostly sleep.
            h.name: {"uri": h.uri, "domainType": "qemu", "vcpuOvercommit": 16}
            for h in hosts
        },
        "pools": {"vmstore": {"path": f"/var/lib/libvirt/images/{prefix}pool"}},
        "templates": {
            "tiny": {
                "image": {"path": str(image)},
                "pool": "vmstore",
                "generation": "gen1",
                "gen1Reason": "tiny test guest",
                "memory": "96MiB",
                "diskSize": "64MiB",
                "kernel": str(guest.kernel),
                "initrd": str(guest.initrd),
            }
        },
        "vms": [vm(h, n, guest) for h in hosts for n in range(per_host)],
    }


def vm(host: LabHost, number: int, guest: TinyGuest) -> dict[str, Any]:
    name = vm_name(host, number)
    return {
        "name": name,
        "template": "tiny",
        "host": host.name,
        "cmdline": guest.cmdline(name, mode="loop"),
        "shutdownTimeoutSeconds": 3,
    }


def vm_name(host: LabHost, number: int) -> str:
    return f"vm-{host.name}-{number}"
