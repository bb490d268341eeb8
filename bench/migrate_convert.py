"""Objects converted per second: a pulumi-libvirt export of ~200 objects into a stack file.

The export is what the typical pulumi-libvirt program (tests/components/migrate) registers
under mocks, with enough VMs for `--objects` resources (a provider, a pool, a base volume, a
network, a cloud-init disk, and per VM a root volume, a data volume and a domain). Each
round parses the export, converts it and renders the stack file, as the command does; the
figures are objects per second of the best and the median round.

    venv/bin/python -m bench.migrate_convert [--objects 200] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

from components.migrate.export import parse_export
from components.migrate.pulumi_libvirt import convert
from components.migrate.stack_file import render
from tests.components.migrate.pulumi_libvirt_export import (
    ProgramSettings,
    export_of,
    typical_program,
)

FIXED_OBJECTS = 5
PER_VM = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    vms = max(1, (args.objects - FIXED_OBJECTS) // PER_VM)
    export = export_of(typical_program(ProgramSettings(vms=vms)))
    objects = len(export["deployment"]["resources"]) - 1  # the stack itself is no object
    seconds = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        conversion = convert(parse_export(export))
        render(conversion, "bench.json")
        seconds.append(time.perf_counter() - started)
    best, median = min(seconds), statistics.median(seconds)
    print(f"export of {objects} objects ({vms} VMs), {args.rounds} rounds")
    print(f"  best   {best * 1000:7.1f} ms  {objects / best:8.0f} objects/s")
    print(f"  median {median * 1000:7.1f} ms  {objects / median:8.0f} objects/s")


if __name__ == "__main__":
    main()
