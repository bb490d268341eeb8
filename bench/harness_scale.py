"""Stack-level figures through the parallel harness (real plugin process, engine parallelism).

    venv/bin/python -m bench.harness_scale ten [--rounds 3]   # 10 VMs, one host
    venv/bin/python -m bench.harness_scale fleet [--hosts 4 --per-host 10]

`ten`: `up` adding 10 VMs from one template on one lab host (the pool, the template and a
first VM already exist, as in a stack that grows) against `bench.create_vms.plain`, the same
libvirt calls made one after another by plain libvirt-python; median ratio (goal <= 0.45),
and against the same calls from 4 threads (what the plugin's 4 workers allow; goal: the
harness within 1.15x of it).
Then `destroy` of that stack with its 11 running VMs (goal for 10: < 1.0 s); the next round
starts from the first VM again. `fleet`: one `up` of `per_host` small
VMs on each of `hosts` lab hosts: wall time and failures (goal 0), then `destroy`.
The machine's load average is printed with the figures: they are wall times.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import libvirt

from bench.create_vms import _domain_spec, _volume_spec, plain
from bench.lab_session import BenchLab
from tests.components.mocks import REPO
from tests.e2e.fleet import fleet_config, vm_name
from tests.harness import Harness, HarnessError
from tests.lab.base_image import make_base_image
from tests.lab.guest_build import build_tiny_guest
from tests.lab.hosts import Lab, LabHost

STACK = "bh"


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _remove_domains_and_volumes(host: LabHost, pool: str, names: list[str]) -> None:
    conn = libvirt.open(host.uri)
    try:
        for name in names:
            dom = conn.lookupByName(name)
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        target = conn.storagePoolLookupByName(pool)
        for name in names:
            target.storageVolLookupByName(f"{name}.qcow2").delete(0)
    finally:
        conn.close()


def _template_volume(host: LabHost, pool: str) -> str:
    conn = libvirt.open(host.uri)
    try:
        target = conn.storagePoolLookupByName(pool)
        (path,) = [v.path() for v in target.listAllVolumes(0) if "-tiny-" in v.name()]
        return str(path)
    finally:
        conn.close()


def plain_threads(lab: BenchLab, names: list[str], base_path: str, threads: int = 4) -> None:
    """`bench.create_vms.plain`'s calls for each VM, `threads` VMs at a time."""
    conn = libvirt.open(lab.host.uri)
    pool = conn.storagePoolLookupByName(lab.pool_name)

    def one(name: str) -> None:
        pool.createXML(_volume_spec(lab, f"{name}.qcow2", base_path).to_xml(), 0)
        spec = _domain_spec(lab, name, f"{name}.qcow2")
        xml = spec.model_copy(update={"domain_type": "qemu"}).to_xml()
        dom = conn.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
        dom.setAutostart(0)
        dom.create()

    with ThreadPoolExecutor(threads) as workers:
        list(workers.map(one, names))
    conn.close()


def ten(rounds: int, vms: int) -> None:
    lab = Lab.start(1)
    try:
        host = lab.hosts[0]
        guest = build_tiny_guest()
        scratch = lab.scratch_dir("bench-harness")
        image = make_base_image(scratch / "base.qcow2", size_mib=32)
        full = fleet_config([host], image, guest, STACK, per_host=vms + 1)
        seed = {**full, "vms": full["vms"][:1]}
        harness = Harness(REPO / "__main__.py", "kvm-estate", STACK, scratch / "state.json")
        pool = f"{STACK}-vmstore"
        ups: list[float] = []
        plains: list[float] = []
        threaded: list[float] = []
        destroys: list[float] = []
        for round_ in range(rounds):
            harness.config = seed
            harness.up()
            base = _template_volume(host, pool)
            bench = BenchLab(host, Path(), pool, guest, scratch)
            names = [f"plain{round_}-{i}" for i in range(vms)]
            plains.append(_timed(lambda n=names, b=bench, p=base: plain(b, n, p)))
            _remove_domains_and_volumes(host, pool, names)
            names = [f"threads{round_}-{i}" for i in range(vms)]
            threaded.append(_timed(lambda n=names, b=bench, p=base: plain_threads(b, n, p)))
            _remove_domains_and_volumes(host, pool, names)
            harness.config = full
            ups.append(_timed(harness.up))
            destroys.append(_timed(harness.destroy))
            print(
                f"round {round_}: plain serial {plains[-1]:.2f} s, plain 4 threads "
                f"{threaded[-1]:.2f} s, harness up {ups[-1]:.2f} s, "
                f"destroy {destroys[-1]:.2f} s ({_load()})",
                flush=True,
            )
        ratio = statistics.median(ups) / statistics.median(plains)
        print(f"plain serial create+start of {vms} VMs: median {statistics.median(plains):.2f} s")
        print(f"harness up of {vms} VMs:                median {statistics.median(ups):.2f} s")
        print(f"plain 4 threads:                     median {statistics.median(threaded):.2f} s")
        print(f"ratio harness/plain serial: {ratio:.3f} (goal <= 0.45)")
        within = statistics.median(ups) / statistics.median(threaded)
        print(f"ratio harness/plain 4 threads: {within:.3f} (goal <= 1.15)")
        print(
            f"destroy of the stack with {vms + 1} running VMs: median "
            f"{statistics.median(destroys):.2f} s (goal for 10: < 1.0 s); rounds "
            f"{', '.join(f'{t:.2f}' for t in destroys)}"
        )
    finally:
        lab.stop()


def fleet(host_count: int, per_host: int) -> None:
    lab = Lab.start(host_count)
    try:
        guest = build_tiny_guest()
        scratch = lab.scratch_dir("bench-fleet")
        image = make_base_image(scratch / "base.qcow2", size_mib=32)
        config = fleet_config(lab.hosts, image, guest, STACK, per_host=per_host)
        harness = Harness(
            REPO / "__main__.py", "kvm-estate", STACK, scratch / "state.json", config=config
        )
        failure = ""
        start = time.perf_counter()
        try:
            harness.up()
        except HarnessError as err:
            failure = str(err).splitlines()[0]
        took = time.perf_counter() - start
        running = 0
        for host in lab.hosts:
            conn = libvirt.open(host.uri)
            try:
                for n in range(per_host):
                    with contextlib.suppress(libvirt.libvirtError):
                        running += conn.lookupByName(f"{STACK}-{vm_name(host, n)}").isActive()
            finally:
                conn.close()
        total = host_count * per_host
        print(
            f"up of {total} VMs on {host_count} hosts: {took:.2f} s, {running}/{total} running, "
            f"failures {total - running}{': ' + failure if failure else ''} ({_load()})"
        )
        print(f"destroy: {_timed(harness.destroy):.2f} s")
    finally:
        lab.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    ten_args = sub.add_parser("ten")
    ten_args.add_argument("--rounds", type=int, default=3)
    ten_args.add_argument("--vms", type=int, default=10)
    fleet_args = sub.add_parser("fleet")
    fleet_args.add_argument("--hosts", type=int, default=4)
    fleet_args.add_argument("--per-host", type=int, default=10)
    args = parser.parse_args()
    if args.what == "ten":
        ten(args.rounds, args.vms)
    else:
        fleet(args.hosts, args.per_host)


if __name__ == "__main__":
    main()
