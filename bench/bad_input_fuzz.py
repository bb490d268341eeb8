"""Run the bad-input fuzz at scale and count its examples: loader and offline plan.

The same strategies and checks as tests/components/config/test_loader_fuzz.py and
tests/components/plan/test_plan_fuzz.py, with `--examples` per property and counters of what
each example ended in (a valid config / plan, or the project's error). Any other exception
fails the run, as in the tests.

    venv/bin/python -m bench.bad_input_fuzz [--examples 2000]
"""

from __future__ import annotations

import argparse
import copy
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config.load import StackConfigError, parse_stack_config
from tests.components.config.bad_input import BASE
from tests.components.config.fuzz import VALUES, mutate, paths
from tests.components.plan import test_plan_fuzz as plan_fuzz
from tests.components.plan.projects import program_project

PATHS = sorted(paths(BASE))


def run_loader(examples: int, counts: Counter[str]) -> None:
    @settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
    def loader(edits: list[tuple[str, object]]) -> None:
        data = copy.deepcopy(BASE)
        for path, value in edits:
            try:
                mutate(data, path, value)
            except (KeyError, IndexError, TypeError):
                continue
        try:
            parse_stack_config(data, "prod")
            counts["loader: valid config"] += 1
        except StackConfigError:
            counts["loader: StackConfigError"] += 1

    loader()


def run_plan(examples: int, counts: Counter[str], project: Path) -> None:
    base = plan_fuzz.base_plan.__wrapped__(project)  # type: ignore[attr-defined]

    @settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=2))
    def plan(edits: list[tuple[str, object]]) -> None:
        data = plan_fuzz.secret_base()
        for path, value in edits:
            try:
                mutate(data, path, value)
            except (KeyError, IndexError, TypeError):
                continue
        text = plan_fuzz.stack_text(data)
        try:
            plan_fuzz._evaluate(project, text)
            counts["plan: planned"] += 1
        except Exception as err:  # classified, then checked by the test's own function
            counts[f"plan: {type(err).__name__}"] += 1
        plan_fuzz._check(project, base, text)

    plan()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    start = time.perf_counter()
    run_loader(args.examples, counts)
    loader_time = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as directory:
        project = program_project(Path(directory), {})
        start = time.perf_counter()
        run_plan(args.examples, counts, project)
        plan_time = time.perf_counter() - start
    print(f"fuzz examples per property: {args.examples}")
    print(f"  loader {loader_time:.1f} s, plan {plan_time:.1f} s")
    for outcome, count in sorted(counts.items()):
        print(f"  {outcome:<32} {count}")


if __name__ == "__main__":
    os.environ.pop("KVM_PLAN_SECRET_KEY", None)
    main()
