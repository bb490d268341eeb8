"""The fault suite's figures: scenarios run, how many converge on the first rerun, and the
rerun's wall time for each scenario (the libvirtd-killed ones in particular).

Runs `pytest tests/e2e/faults` on the lab with `KVM_FAULT_TIMINGS` set: every scenario's
rerun (one `up` after the fault) appends its wall time there. A scenario passes only when
its first rerun succeeded and the estate then converged (a second `up` changes nothing, a
refresh reports no drift, no duplicate and no orphan domain, volume or file).

    venv/bin/python -m bench.fault_reruns [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path


def run_suite(timings: Path, junit: Path) -> tuple[int, int]:
    """Run the fault suite once; (scenarios run, scenarios passed)."""
    subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e/faults", "-q", f"--junitxml={junit}"],
        env={**os.environ, "KVM_FAULT_TIMINGS": str(timings)},
        check=False,
    )
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None
    total = int(suite.get("tests", 0))
    bad = sum(int(suite.get(k, 0)) for k in ("failures", "errors", "skipped"))
    return total, total - bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    seconds: dict[str, list[float]] = defaultdict(list)
    totals = passed = 0
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            timings = Path(scratch) / f"timings-{run}.jsonl"
            total, ok = run_suite(timings, Path(scratch) / f"junit-{run}.xml")
            totals, passed = totals + total, passed + ok
            if timings.exists():
                for line in timings.read_text().splitlines():
                    entry = json.loads(line)
                    seconds[entry["scenario"]].append(float(entry["seconds"]))
    print(f"scenarios run: {totals}; converged on the first rerun: {passed}")
    print(f"{'scenario':45} {'rerun wall time (s)':>20}")
    for scenario in sorted(seconds):
        values = seconds[scenario]
        print(f"{scenario:45} {statistics.median(values):>12.2f} (median of {len(values)})")


if __name__ == "__main__":
    main()
