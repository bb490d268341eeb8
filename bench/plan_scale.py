"""Offline plan time and peak memory for a generated stack of N VMs (default 100 and 1000).

The stack is prod's (two hosts, a bridged and an isolated network, one template) with N
VMs spread over both hosts, each with a NIC on both networks. Each size is planned
`--rounds` times with the command users run, `python -m components.plan --stack bench`,
in a fresh process; the figures are the best and the median wall time, the CPU time of the
best run, and the peak resident memory (max RSS) of the plan process.
Goals (issue 7): under 5 s at 1000 VMs, t(1000)/t(100) <= 11.

    venv/bin/python -m bench.plan_scale [--sizes 100 1000] [--rounds 5] [--args --policy]
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def generated_project(directory: Path, vms: int) -> Path:
    """A project beside the repo's program: its Pulumi.yaml and __main__.py, and a stack
    file `bench` made from prod's with `vms` VMs."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, directory / name)
    prod = yaml.safe_load((REPO / "stacks" / "Pulumi.prod.yaml").read_text())
    config = prod["config"]
    hosts = list(config["kvm-estate:hosts"])
    networks = list(config["kvm-estate:networks"])
    template = next(iter(config["kvm-estate:templates"]))
    config["kvm-estate:vms"] = [
        {
            "name": f"vm-{index:04d}",
            "template": template,
            "host": hosts[index % len(hosts)],
            "nics": [{"network": network} for network in networks],
        }
        for index in range(vms)
    ]
    (directory / "stacks").mkdir(exist_ok=True)
    (directory / "stacks" / "Pulumi.bench.yaml").write_text(yaml.safe_dump(prod))
    return directory


def plan_once(project: Path, extra: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, max RSS KiB) of one plan in a fresh process."""
    command = [sys.executable, "-m", "components.plan", "--project-dir", str(project)]
    command += ["--stack", "bench", *extra]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)  # the child's own rusage (max RSS in KiB)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 2, 3):
        raise RuntimeError(f"plan failed: {' '.join(command)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--args", nargs=argparse.REMAINDER, default=[], help="plan flags")
    args = parser.parse_args()
    best: dict[int, float] = {}
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    print(f"{'VMs':>6} {'best s':>8} {'median s':>9} {'CPU s':>7} {'peak RSS':>10}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="plan-bench-") as tmp:
            project = generated_project(Path(tmp), size)
            runs = [plan_once(project, args.args) for _ in range(args.rounds)]
        walls = [wall for wall, _, _ in runs]
        fastest = min(runs)
        peak = max(rss for _, _, rss in runs)
        best[size] = fastest[0]
        print(
            f"{size:>6} {fastest[0]:>8.2f} {statistics.median(walls):>9.2f} "
            f"{fastest[1]:>7.2f} {peak / 1024:>8.0f} MiB"
        )
    sizes = sorted(best)
    for small, large in itertools.pairwise(sizes):
        print(f"t({large})/t({small}) = {best[large] / best[small]:.2f} (best runs)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
