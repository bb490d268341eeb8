"""`preview`: the planned steps, with only check and diff reaching the provider."""

from __future__ import annotations

from pathlib import Path

import pulumi

from tests.harness import UNKNOWN, Harness
from tests.harness.conftest import chain, things
from tests.harness.toy_provider import ToyThing, read_call_log, stored_objects


def test_preview_of_a_new_stack_plans_creates_and_changes_nothing(
    harness: Harness, store: Path
) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1})

    result = harness.preview()

    assert result.kind == "preview"
    assert result.step("a") == "create"
    assert result.call_counts == {"check": 1}
    assert stored_objects(store) == {}
    assert not harness.state_path.exists()


def test_preview_plans_update_replace_and_delete_without_doing_them(
    harness: Harness, store: Path
) -> None:
    harness.program = things(
        store,
        a={"name": "alpha", "value": 1},
        b={"name": "beta", "value": 1},
        c={"name": "gamma", "value": 1},
    )
    harness.up()
    state_before = harness.state_path.read_bytes()
    objects_before = stored_objects(store)

    harness.program = things(
        store, a={"name": "alpha", "value": 2}, b={"name": "beta2", "value": 1}
    )
    result = harness.preview()

    assert (result.step("a"), result.step("b"), result.step("c")) == ("update", "replace", "delete")
    assert set(result.call_counts) == {"check", "diff"}
    assert harness.state_path.read_bytes() == state_before
    assert stored_objects(store) == objects_before


def test_preview_gives_unknown_for_outputs_not_yet_created(harness: Harness, store: Path) -> None:
    def program() -> None:
        thing = ToyThing("a", str(store), name="alpha", value=1)
        pulumi.export("id", thing.object_id)
        pulumi.export("name", thing.name)  # type: ignore[attr-defined]

    harness.program = program
    result = harness.preview()

    assert result.outputs["id"] == UNKNOWN
    assert result.outputs["name"] == "alpha"


def test_preview_passes_unknown_inputs_to_check_of_dependents(
    harness: Harness, store: Path
) -> None:
    harness.program = chain(store, "a", "b")

    result = harness.preview()

    assert [c.method for c in result.provider_calls] == ["check", "check"]
    checks = [c for c in read_call_log(store) if c["method"] == "check"]
    assert [(c["name"], c["unknown"]) for c in checks] == [("a", []), ("b", ["value"])]
