"""Time of the stack-config loader on the prod stack (and on a 1000-VM prod-like stack).

Three figures per stack: reading the stack file as the offline plan does (duplicate keys
checked), validating the sections (`parse_stack_config`: every field, cross-section checks,
claims of derived names), and both together. Each is the median and best of `--rounds`
runs, in this process, after one warm-up.

    venv/bin/python -m bench.loader_prod [--rounds 200]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from components.config.load import parse_stack_config
from components.plan.registrations import Project, stack_config

REPO = Path(__file__).resolve().parents[1]


def sections(wire: dict[str, str]) -> dict[str, Any]:
    """The wire config (`kvm-estate:hosts` → JSON text) as the program's sections."""
    import json

    return {key.split(":", 1)[1]: json.loads(value) for key, value in wire.items()}


def timed(action: Callable[[], object], rounds: int) -> tuple[float, float]:
    action()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples)


def big(data: dict[str, Any], vms: int) -> dict[str, Any]:
    """prod with `vms` VMs over its two hosts, one fixed IP each on the backend network."""
    data = copy.deepcopy(data)
    template = data["vms"][0]
    data["vms"] = [
        {
            **copy.deepcopy(template),
            "name": f"vm-{i}",
            "host": ("hv1", "hv2")[i % 2],
            "memory": "1GiB",
            "maxMemory": "2GiB",
            "nics": [{"network": "lan"}, {"network": "backend"}],
        }
        for i in range(vms)
    ]
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    project = Project.load(REPO)
    wire, _ = stack_config(project, "prod")
    data = sections(wire)
    cases = {"prod": data, "prod x1000 VMs": big(data, 1000)}
    print(f"loader timings, {args.rounds} rounds (median / best)")
    read = timed(lambda: stack_config(project, "prod"), args.rounds)
    print(
        f"  read stacks/Pulumi.prod.yaml         {read[0] * 1e3:8.2f} ms / {read[1] * 1e3:.2f} ms"
    )
    for label, config in cases.items():
        rounds = args.rounds if len(config["vms"]) < 100 else max(3, args.rounds // 50)
        parse = timed(lambda c=config: parse_stack_config(c, "prod"), rounds)
        print(f"  validate {label:<27} {parse[0] * 1e3:8.2f} ms / {parse[1] * 1e3:.2f} ms")
    both = timed(
        lambda: parse_stack_config(sections(stack_config(project, "prod")[0]), "prod"), args.rounds
    )
    print(
        f"  read + validate prod                 {both[0] * 1e3:8.2f} ms / {both[1] * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
