"""Time to draw the generated stack of `bench/plan_scale.py` (default 1000 VMs) as a picture.

Two figures per format: the drawing alone (plan → estate → DOT or Mermaid text, and for SVG
Graphviz's `dot -Tsvg` on that text), measured in this process on one plan, best and median
of `--rounds`; and the whole command users run, `python -m components.plan --stack bench
--format dot|svg`, in a fresh process (plan evaluation included), best wall time of
`--rounds` with its CPU time (the child's and Graphviz's: meaningful on a busy machine).

    venv/bin/python -m bench.plan_pictures [--vms 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.plan_scale import REPO, generated_project
from components.plan.picture.dot import render_dot
from components.plan.picture.estate import estate_of
from components.plan.picture.mermaid import render_mermaid
from components.plan.picture.svg import render_svg
from components.plan.sources import plan_in_process


def timed(work: Callable[[], object], rounds: int) -> tuple[float, float, object]:
    """(best s, median s, last result) of `rounds` runs of `work`."""
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


def command_seconds(project: Path, form: str, rounds: int) -> tuple[float, float]:
    """(best wall s, its CPU s, the child's and `dot`'s) of the CLI drawing the stack in a
    fresh process; CPU time stays meaningful on a busy machine."""
    command = [sys.executable, "-m", "components.plan", "--project-dir", str(project)]
    command += ["--stack", "bench", "--format", form]
    best = (float("inf"), 0.0)
    for _ in range(rounds):
        before = os.times()
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - started
        after = os.times()
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        best = min(best, (wall, cpu))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="picture-bench-") as tmp:
        project = generated_project(Path(tmp), args.vms)
        plan = plan_in_process(project, "bench")
        print(f"{args.vms} VMs, {len(plan.resources)} registered resources")
        best, median, dot = timed(lambda: render_dot(estate_of(plan)), args.rounds)
        print(f"draw DOT:     best {best:.2f} s, median {median:.2f} s ({len(str(dot))} bytes)")
        best, median, text = timed(lambda: render_mermaid(estate_of(plan)), args.rounds)
        print(f"draw Mermaid: best {best:.2f} s, median {median:.2f} s ({len(str(text))} bytes)")
        best, median, svg = timed(lambda: render_svg(str(dot)), args.rounds)
        print(f"dot -Tsvg:    best {best:.2f} s, median {median:.2f} s ({len(str(svg))} bytes)")
        for form in ("dot", "svg"):
            wall, cpu = command_seconds(project, form, args.rounds)
            print(f"python -m components.plan --format {form}: best {wall:.2f} s (CPU {cpu:.2f} s)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
