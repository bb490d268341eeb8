"""Wall time of `--probe` for N VMs (default 20) made the way pulumi-libvirt makes them.

One lab host gets what the typical pulumi-libvirt program makes (tests/components/migrate)
with N VMs, through the terraform-provider-libvirt 0.8 backend of the e2e tests (running
tiny guests, 128 MiB each); the export is converted, then the probe (evaluate the stack file,
read every domain, network, pool and volume through its provider, classify the differences)
runs `--rounds` times in this process (as `probe_stack` does, timing its two halves).
Figures: best and median wall time of one probe, the part spent evaluating the stack file,
and the number of objects read.

    venv/bin/python -m bench.migrate_probe [--vms 20] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import libvirt

from bench.lab_session import base_image
from components.migrate.export import parse_export
from components.migrate.probe import (
    READERS,
    ProbeReport,
    desired_resources,
    probe_object,
    stack_sections,
)
from components.migrate.pulumi_libvirt import convert
from components.migrate.stack_file import write
from tests.components.migrate.pulumi_libvirt_export import (
    ProgramSettings,
    export_of,
    typical_program,
)
from tests.e2e.terraform_libvirt_objects import TerraformLibvirtHost, remove_prefixed
from tests.lab.guest_build import build_tiny_guest
from tests.lab.hosts import Lab


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    lab = Lab.start(1)
    host = lab.hosts[0]
    conn = libvirt.open(host.uri)
    try:
        scratch = lab.scratch_dir("probe")
        guest = build_tiny_guest()
        settings = ProgramSettings(
            vms=args.vms,
            uri=host.uri,
            pool_path=str(scratch / "pool"),
            image=str(base_image(scratch, "32M")),
            domain_type="qemu",
            kernel=str(guest.kernel),
            initrd=str(guest.initrd),
            cmdline=guest.cmdline("old", mode="loop"),
            prefix="bp-",
            wait_for_lease=False,
            root_size=64 * 1024**2,
            memory_mib=128,
        )
        export = export_of(typical_program(settings), backend=TerraformLibvirtHost(conn=conn))
        stack_file = scratch / "Pulumi.bench.yaml"
        write(convert(parse_export(export)), "bench.json", stack_file)
        seconds, evaluations, objects, disruptive = [], [], 0, False
        for _ in range(args.rounds):
            started = time.perf_counter()
            registrations = desired_resources(stack_sections(stack_file), "bench")
            evaluated = time.perf_counter()
            with ThreadPoolExecutor(max_workers=READERS) as pool:
                results = list(pool.map(probe_object, registrations))
            report = ProbeReport([r for r in results if r is not None])
            seconds.append(time.perf_counter() - started)
            evaluations.append(evaluated - started)
            objects, disruptive = len(report.objects), report.disruptive()
        print(f"probe of {args.vms} VMs ({objects} objects read), {args.rounds} rounds")
        print(f"  best   {min(seconds):6.2f} s (evaluating the stack {min(evaluations):.2f} s)")
        print(f"  median {statistics.median(seconds):6.2f} s")
        print(f"  would restart or replace anything: {disruptive}")
    finally:
        remove_prefixed(conn, "bp-")
        conn.close()
        lab.stop()


if __name__ == "__main__":
    main()
