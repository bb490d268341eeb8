"""A one-host lab, the tiny guest and a base image for the benchmark scripts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import libvirt

from components.providers.pool import StoragePoolProvider
from tests.lab.base_image import make_base_image
from tests.lab.guest import TinyGuest
from tests.lab.guest_build import build_tiny_guest
from tests.lab.hosts import Lab, LabHost


@dataclass
class BenchLab:
    host: LabHost
    pool_dir: Path
    pool_name: str
    guest: TinyGuest
    scratch: Path


@contextlib.contextmanager
def bench_lab(prefix: str = "bench") -> Iterator[BenchLab]:
    """Start one lab host with a dir pool `<prefix>-pool`; stop everything afterwards."""
    lab = Lab.start(1)
    try:
        host = lab.hosts[0]
        pool_dir = lab.scratch_dir("pool")
        provider = StoragePoolProvider()
        props = provider.check(
            {}, {"connectionUri": host.uri, "name": f"{prefix}-pool", "path": str(pool_dir / "p")}
        ).inputs
        provider.create(props)
        yield BenchLab(
            host, pool_dir / "p", f"{prefix}-pool", build_tiny_guest(), lab.scratch_dir("scratch")
        )
    finally:
        conn = libvirt.open(lab.hosts[0].uri)
        for dom in conn.listAllDomains(0):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        conn.close()
        lab.stop()


def base_image(scratch: Path, size: str = "64M") -> Path:
    """A qcow2 base image file to import."""
    return make_base_image(scratch / "base.qcow2", size_mib=int(size.rstrip("M")))
