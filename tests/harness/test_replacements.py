"""Replacements the engine orders specially: dependents of a delete-before-replace, and
`up --replace URN`."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from tests.harness import Harness, ProtectedResourceError
from tests.harness.conftest import Program, things
from tests.harness.toy_provider import ToyThing, read_call_log, stored_objects


def _family(store: Path, a_name: str, protect_child: bool = False) -> Program:
    """a (exclusive: replaced delete-first); child's *name* comes from a (so a new a means a
    new child); sibling takes only its *value* from a (updated in place)."""

    def program() -> None:
        a = ToyThing("a", str(store), name=a_name, value=1, exclusive=True)
        opts = pulumi.ResourceOptions(protect=protect_child)
        ToyThing(
            "child",
            str(store),
            name=a.object_id.apply(lambda i: f"child-of-{i}"),
            value=1,
            opts=opts,
        )
        ToyThing("sibling", str(store), name="sibling", value=a.object_id)

    return program


def _provider_sequence(store: Path, since: int) -> list[tuple[str, str]]:
    return [
        (c["method"], str(c["name"]).split("-of-")[0])
        for c in read_call_log(store)[since:]
        if c["method"] in ("create", "delete", "update")
    ]


def test_dependents_of_a_delete_before_replace_are_replaced_first(
    harness: Harness, store: Path
) -> None:
    harness.program = _family(store, "alpha")
    harness.up()
    old_sibling = harness.state.resource("sibling").id
    mark = len(read_call_log(store))

    harness.program = _family(store, "alpha2")
    result = harness.up()

    assert result.step("a") == "replace"
    assert result.step("child") == "replace"
    assert result.step("sibling") == "update"
    sequence = _provider_sequence(store, mark)
    assert sequence[:3] == [("delete", "child"), ("delete", "alpha"), ("create", "alpha2")]
    assert set(sequence[3:]) == {("create", "child"), ("update", "sibling")}
    assert result.calls("diff", "child") != [], "the engine asks the dependent's Diff first"
    a_id = harness.state.resource("a").id
    assert harness.state.outputs("child")["name"] == f"child-of-{a_id}"
    assert harness.state.resource("sibling").id == old_sibling
    assert len(stored_objects(store)) == 3


def test_a_protected_dependent_stops_the_delete_before_replace(
    harness: Harness, store: Path
) -> None:
    harness.program = _family(store, "alpha", protect_child=True)
    harness.up()
    before = stored_objects(store)

    harness.program = _family(store, "alpha2", protect_child=True)
    with pytest.raises(ProtectedResourceError) as raised:
        harness.up()

    assert raised.value.urns == (harness.state.resource("child").urn,)
    assert stored_objects(store) == before, "nothing deleted"


def test_replace_targets_skip_diff_and_replace(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2})
    harness.up()
    old_a, old_b = harness.state.resource("a").id, harness.state.resource("b").id

    result = harness.up(replace=[harness.state.resource("a").urn])

    assert result.step("a") == "replace"
    assert result.step("b") == "same"
    assert [c.method for c in result.calls(urn_or_name="a")] == ["check", "create", "delete"]
    assert harness.state.resource("a").id != old_a
    assert set(stored_objects(store)) == {harness.state.resource("a").id, old_b}


def test_replace_target_with_delete_before_replace_deletes_first(
    harness: Harness, store: Path
) -> None:
    opts = pulumi.ResourceOptions(delete_before_replace=True)
    harness.program = things(store, a={"name": "alpha", "value": 1, "opts": opts})
    harness.up()

    result = harness.up(replace=["a"])

    assert [c.method for c in result.provider_calls] == ["check", "delete", "create"]
