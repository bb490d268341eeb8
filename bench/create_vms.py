"""Creating 10 VMs from a template: through our providers vs plain libvirt-python.

Both sides make the same libvirt calls for each VM — a copy-on-write clone of the base
volume, define the domain, start it — on one lab host; the provider side also does what
the engine does (check, then create, with output building and ownership). Prints the median
of several rounds and the ratio (goal: ≤ 1.15).

    venv/bin/python -m bench.create_vms [--vms 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import libvirt

from bench.lab_session import BenchLab, base_image, bench_lab
from components.providers.domain import DomainProvider
from components.providers.volume import VolumeProvider
from components.spec.domain import Disk, DomainSpec, SerialConsole
from components.spec.ownership import Ownership
from components.spec.volume import VolumeSpec

MIB = 1024**2


def _volume_spec(lab: BenchLab, name: str, base_path: str) -> VolumeSpec:
    return VolumeSpec(
        name=name,
        pool=lab.pool_name,
        capacity_bytes=64 * MIB,
        backing_path=base_path,
        backing_format="qcow2",
    )


def _domain_spec(lab: BenchLab, name: str, volume: str) -> DomainSpec:
    return DomainSpec(
        name=name,
        domain_type="auto",
        ownership=Ownership(project="bench", stack="b", name=name),
        memory_mib=96,
        max_memory_mib=128,
        vcpus=1,
        max_vcpus=1,
        kernel=str(lab.guest.kernel),
        initrd=str(lab.guest.initrd),
        cmdline=lab.guest.cmdline(name, mode="loop"),
        disks=[Disk(pool=lab.pool_name, volume=volume, target="vda")],
        serial=SerialConsole(log_file=f"/var/log/libvirt/qemu/{name}-serial.log", log_append=True),
    )


def via_providers(lab: BenchLab, names: list[str], base_path: str) -> None:
    volumes, domains = VolumeProvider(), DomainProvider()
    for name in names:
        vol = _volume_spec(lab, f"{name}.qcow2", base_path)
        props = {"connectionUri": lab.host.uri, **volumes.wire(vol)}
        volumes.create(volumes.check({}, props).inputs)
        dom = _domain_spec(lab, name, f"{name}.qcow2")
        props = {"connectionUri": lab.host.uri, **domains.wire(dom)}
        domains.create(domains.check({}, props).inputs)


def plain(lab: BenchLab, names: list[str], base_path: str) -> None:
    conn = libvirt.open(lab.host.uri)
    pool = conn.storagePoolLookupByName(lab.pool_name)
    for name in names:
        pool.createXML(_volume_spec(lab, f"{name}.qcow2", base_path).to_xml(), 0)
        xml = (
            _domain_spec(lab, name, f"{name}.qcow2")
            .model_copy(update={"domain_type": "qemu"})
            .to_xml()
        )
        dom = conn.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
        dom.setAutostart(0)
        dom.create()
    conn.close()


def _clean(lab: BenchLab) -> None:
    conn = libvirt.open(lab.host.uri)
    for dom in conn.listAllDomains(0):
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    pool = conn.storagePoolLookupByName(lab.pool_name)
    pool.refresh(0)
    for vol in pool.listAllVolumes(0):
        if vol.name() != "base.qcow2":
            vol.delete(0)
    conn.close()


def _timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with bench_lab() as lab:
        image = base_image(lab.scratch)
        base = lab.pool_dir / "base.qcow2"
        base.write_bytes(image.read_bytes())
        conn = libvirt.open(lab.host.uri)
        conn.storagePoolLookupByName(lab.pool_name).refresh(0)
        conn.close()
        results: dict[str, list[float]] = {"providers": [], "plain": []}
        for round_ in range(args.rounds):
            for label, runner in (("plain", plain), ("providers", via_providers)):
                names = [f"b{round_}{label[:2]}{i}" for i in range(args.vms)]
                results[label].append(_timed(lambda r=runner, n=names: r(lab, n, str(base))))
                _clean(lab)
        for label, times in results.items():
            print(
                f"{label:10s} median {statistics.median(times):.3f} s  "
                f"(rounds: {', '.join(f'{t:.3f}' for t in times)})"
            )
        ratio = statistics.median(results["providers"]) / statistics.median(results["plain"])
        print(f"ratio providers/plain: {ratio:.3f} (goal <= 1.15)")


if __name__ == "__main__":
    main()
