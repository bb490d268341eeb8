"""Steps run concurrently as under the engine: independent ones overlap, dependents wait."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.harness import Harness
from tests.harness.conftest import things
from tests.harness.deployment import default_parallel
from tests.harness.toy_provider import ToyThing, read_call_log

DELAY = 1.0


def _intervals(store: Path, method: str) -> dict[str, tuple[float, float]]:
    """name → (start, end) of each delayed `method` call, from the provider's own log."""
    starts: dict[str, float] = {}
    spans: dict[str, tuple[float, float]] = {}
    for call in read_call_log(store):
        if call["method"] == method:
            starts[call["name"]] = call["t"]
        elif call["method"] == f"{method}-done":
            spans[call["name"]] = (starts[call["name"]], call["t"])
    return spans


def _most_at_once(spans: dict[str, tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in spans.values()] + [(e, -1) for _, e in spans.values()])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def _slow(count: int, **extra: Any) -> dict[str, dict[str, Any]]:
    return {f"t{i}": {"name": f"n{i}", "value": i, "delay": DELAY, **extra} for i in range(count)}


def test_default_parallelism_is_gomaxprocs_times_four(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_PARALLEL", raising=False)
    assert default_parallel() == len(os.sched_getaffinity(0)) * 4
    monkeypatch.setenv("PULUMI_PARALLEL", "3")
    assert default_parallel() == 3


def test_independent_creates_and_deletes_overlap_up_to_the_plugins_four_workers(
    harness: Harness, store: Path
) -> None:
    harness.parallel = 16
    harness.program = things(store, **_slow(6))

    harness.up()
    harness.destroy()

    creates, deletes = _intervals(store, "create"), _intervals(store, "delete")
    assert len(creates) == len(deletes) == 6
    assert _most_at_once(creates) == 4, "the plugin serves 4 calls at once"
    assert _most_at_once(deletes) == 4


def test_a_dependent_step_starts_only_after_its_dependency_finished(
    harness: Harness, store: Path
) -> None:
    def program() -> None:
        a = ToyThing("a", str(store), name="a", value="root", delay=DELAY)
        b = ToyThing("b", str(store), name="b", value=a.object_id, delay=DELAY)
        ToyThing("c", str(store), name="c", value=0, opts=pulumi.ResourceOptions(depends_on=[b]))
        ToyThing("free", str(store), name="free", value=0, delay=2 * DELAY)

    harness.program = program
    harness.up()

    spans = _intervals(store, "create")
    c_start = next(
        c["t"] for c in read_call_log(store) if c["method"] == "create" and c["name"] == "c"
    )
    assert spans["b"][0] >= spans["a"][1], "b (a property dependency) waits for a"
    assert c_start >= spans["b"][1], "c (depends_on) waits for b"
    assert spans["free"][0] < spans["a"][1], "independent work overlaps the chain"


def test_destroy_deletes_dependents_first_in_parallel_antichains(
    harness: Harness, store: Path
) -> None:
    extra = {f"leaf{i}": {"name": f"leaf{i}", "value": i, "delay": DELAY} for i in range(3)}
    harness.program = _with_leaves(store, extra)
    harness.up()

    harness.destroy()

    deletes = _intervals(store, "delete")
    calls = read_call_log(store)
    order = [c["name"] for c in calls if c["method"] == "delete"]
    assert _most_at_once(deletes) == 3, "the three leaves go together"
    assert order.index("mid") > max(order.index(f"leaf{i}") for i in range(3))
    assert order[-1] == "base"


def _with_leaves(store: Path, leaves: dict[str, dict[str, Any]]) -> Any:
    """base ← mid ← each leaf (`depends_on`)."""

    def program() -> None:
        base = ToyThing("base", str(store), name="base", value="root")
        mid = ToyThing("mid", str(store), name="mid", value=base.object_id)
        for resource_name, kwargs in leaves.items():
            opts = pulumi.ResourceOptions(depends_on=[mid])
            ToyThing(resource_name, str(store), **kwargs, opts=opts)

    return program


def test_parallel_1_runs_one_step_at_a_time(harness: Harness, store: Path) -> None:
    harness.parallel = 1
    harness.program = things(store, **_slow(3, delay=0.3))

    harness.up()

    assert _most_at_once(_intervals(store, "create")) == 1
