"""Deletes: removed resources, destroy, reverse dependency order, protect, retainOnDelete."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from tests.harness import Harness, ProtectedResourceError, ProviderCall, ProviderStepError
from tests.harness.conftest import chain, things
from tests.harness.toy_provider import ToyThing, stored_objects

THING_URN = "urn:pulumi:dev::toyproj::pulumi-python:dynamic/toy:Thing"


def _names(calls: list[ProviderCall]) -> list[str]:
    return [c.urn.rsplit("::", 1)[-1] for c in calls]


def test_removed_resources_are_deleted_dependents_first(harness: Harness, store: Path) -> None:
    harness.program = chain(store, "a", "b", "c")
    harness.up()

    harness.program = things(store)
    result = harness.up()

    assert _names(result.calls("delete")) == ["c", "b", "a"]
    assert result.urns_with("delete") == [f"{THING_URN}::{n}" for n in ("c", "b", "a")]
    assert stored_objects(store) == {}
    assert [r.type for r in harness.state.resources()] == ["pulumi:pulumi:Stack"]


def test_only_the_removed_resource_is_deleted(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2})
    harness.up()
    kept_id = harness.state.resource("a").id

    harness.program = things(store, a={"name": "alpha", "value": 1})
    result = harness.up()

    assert result.step("b") == "delete"
    assert result.step("a") == "same"
    assert list(stored_objects(store)) == [kept_id]
    assert [r.name for r in harness.state.resources(custom_only=True)] == ["a"]


def test_protected_resource_blocks_only_its_own_delete(harness: Harness, store: Path) -> None:
    protect = pulumi.ResourceOptions(protect=True)
    harness.program = things(
        store, a={"name": "alpha", "value": 1, "opts": protect}, b={"name": "beta", "value": 2}
    )
    harness.up()
    a_id = harness.state.resource("a").id

    harness.program = things(store)
    with pytest.raises(ProtectedResourceError) as raised:
        harness.up()

    assert raised.value.urns == (harness.state.resource("a").urn,)
    assert "::a'" in str(raised.value)
    assert list(stored_objects(store)) == [a_id], "b was deleted, as the engine deletes it"
    assert [r.name for r in harness.state.resources(custom_only=True)] == ["a"]


def test_protected_resource_refuses_replacement(harness: Harness, store: Path) -> None:
    protect = pulumi.ResourceOptions(protect=True)
    harness.program = things(store, a={"name": "alpha", "value": 1, "opts": protect})
    harness.up()
    objects_before = stored_objects(store)

    harness.program = things(store, a={"name": "alpha2", "value": 1, "opts": protect})
    with pytest.raises(ProtectedResourceError) as raised:
        harness.up()

    assert raised.value.operation == "replace"
    assert stored_objects(store) == objects_before
    assert harness.state.outputs("a")["name"] == "alpha"


def test_unprotecting_then_removing_deletes(harness: Harness, store: Path) -> None:
    harness.program = things(
        store, a={"name": "alpha", "value": 1, "opts": pulumi.ResourceOptions(protect=True)}
    )
    harness.up()

    harness.program = things(store, a={"name": "alpha", "value": 1})
    unprotected = harness.up()
    harness.program = things(store)
    removed = harness.up()

    assert unprotected.step("a") == "same"
    assert removed.step("a") == "delete"
    assert stored_objects(store) == {}


def test_protect_is_inherited_from_the_parent_component(harness: Harness, store: Path) -> None:
    def program() -> None:
        group = pulumi.ComponentResource(
            "toy:index:Group", "group", opts=pulumi.ResourceOptions(protect=True)
        )
        child = pulumi.ResourceOptions(parent=group)
        ToyThing("a", str(store), name="alpha", value=1, opts=child)

    harness.program = program
    harness.up()

    a = harness.state.resource("a")
    assert a.protect is True
    assert a.urn == "urn:pulumi:dev::toyproj::toy:index:Group$pulumi-python:dynamic/toy:Thing::a"


def test_destroy_deletes_everything_dependents_first(harness: Harness, store: Path) -> None:
    harness.program = chain(store, "a", "b", "c")
    harness.up()

    result = harness.destroy()

    assert _names(result.calls("delete")) == ["c", "b", "a"]
    assert result.call_counts == {"delete": 3}
    assert stored_objects(store) == {}
    assert len(harness.state) == 0


def test_destroy_skips_a_protected_resource_and_what_it_depends_on(
    harness: Harness, store: Path
) -> None:
    harness.program = chain(store, "a", "b", "c", protect="b")
    harness.up()
    kept = {harness.state.resource(n).id for n in ("a", "b")}

    with pytest.raises(ProtectedResourceError) as raised:
        harness.destroy()

    assert raised.value.urns == (harness.state.resource("b").urn,)
    assert set(stored_objects(store)) == kept, "c deleted; b protected; a still needed by b"
    assert {r.name for r in harness.state.resources(custom_only=True)} == {"a", "b"}


def test_retain_on_delete_leaves_the_object_but_drops_the_state(
    harness: Harness, store: Path
) -> None:
    retain = pulumi.ResourceOptions(retain_on_delete=True)
    harness.program = things(store, a={"name": "alpha", "value": 1, "opts": retain})
    harness.up()

    harness.program = things(store)
    result = harness.up()

    assert result.step("a") == "delete"
    assert result.calls("delete") == []
    assert len(stored_objects(store)) == 1
    assert harness.state.resources(custom_only=True) == []


def test_failed_delete_keeps_the_resource_in_the_state(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1, "fail_on": "delete"})
    harness.up()

    harness.program = things(store)
    with pytest.raises(ProviderStepError) as raised:
        harness.up()

    assert raised.value.step == "delete"
    assert raised.value.urn.endswith("::a")
    assert "delete of 'alpha' failed as the test asked" in str(raised.value)
    assert [r.name for r in harness.state.resources(custom_only=True)] == ["a"]
    assert len(stored_objects(store)) == 1
