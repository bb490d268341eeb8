"""`up`: create, same, update, replace (both orders) and dependencies, against the toy provider."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from tests.harness import CheckFailedError, Harness
from tests.harness.conftest import chain, things
from tests.harness.toy_provider import ToyThing, read_call_log, stored_objects


def test_with_parallel_1_each_resource_is_checked_then_created_in_program_order(
    harness: Harness, store: Path
) -> None:
    harness.parallel = 1
    harness.program = things(store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2})

    result = harness.up()

    assert [(c.method, c.urn.rsplit("::", 1)[-1]) for c in result.provider_calls] == [
        ("check", "a"),
        ("create", "a"),
        ("check", "b"),
        ("create", "b"),
    ]
    assert result.step("a") == "create"
    assert result.step("b") == "create"
    objects = stored_objects(store)
    assert {o["name"]: o["value"] for o in objects.values()} == {"alpha": 1, "beta": 2}
    assert {harness.state.resource("a").id, harness.state.resource("b").id} == set(objects)


def test_rerun_without_change_calls_only_check_and_diff(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2})
    harness.up()
    ids_before = {r.urn: r.id for r in harness.state.resources()}
    provider_log_before = len(read_call_log(store))

    result = harness.up()

    assert result.call_counts == {"check": 2, "diff": 2}
    assert result.changed() == {}
    assert {r.urn: r.id for r in harness.state.resources()} == ids_before
    second_run = read_call_log(store)[provider_log_before:]
    assert {c["method"] for c in second_run} == {"configure", "check", "diff"}


def test_changed_input_updates_the_object_in_place(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1})
    harness.up()
    object_id = harness.state.resource("a").id

    harness.program = things(store, a={"name": "alpha", "value": 2})
    result = harness.up()

    assert result.step("a") == "update"
    assert result.call_counts == {"check": 1, "diff": 1, "update": 1}
    assert harness.state.resource("a").id == object_id
    assert harness.state.outputs("a")["value"] == 2
    assert stored_objects(store)[object_id]["value"] == 2


def test_replace_creates_the_new_object_and_deletes_the_old_after_the_program(
    harness: Harness, store: Path
) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1}, z={"name": "zed", "value": 0})
    harness.up()
    old_id = harness.state.resource("a").id

    harness.program = things(store, a={"name": "alpha2", "value": 1}, z={"name": "zed", "value": 0})
    result = harness.up()

    assert [c.method for c in result.calls(urn_or_name="a")] == [
        "check",
        "diff",
        "check",
        "create",
        "delete",
    ]
    assert [c.method for c in result.calls(urn_or_name="z")] == ["check", "diff"]
    assert result.provider_calls[-1] == result.calls("delete")[0], "deleted after the program"
    assert result.calls("delete")[0].resource_id == old_id
    assert result.step("a") == "replace"
    new_id = harness.state.resource("a").id
    assert new_id != old_id
    assert set(stored_objects(store)) == {new_id, harness.state.resource("z").id}
    assert harness.state.pending_deletes() == []


def test_delete_before_replace_option_deletes_the_old_object_first(
    harness: Harness, store: Path
) -> None:
    opts = pulumi.ResourceOptions(delete_before_replace=True)
    harness.program = things(store, a={"name": "alpha", "value": 1, "opts": opts})
    harness.up()
    old_id = harness.state.resource("a").id

    harness.program = things(store, a={"name": "alpha2", "value": 1, "opts": opts})
    result = harness.up()

    assert [c.method for c in result.provider_calls] == [
        "check",
        "diff",
        "check",
        "delete",
        "create",
    ]
    assert result.calls("delete")[0].resource_id == old_id
    assert old_id not in stored_objects(store)


def test_provider_can_ask_for_delete_before_replace(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1, "exclusive": True})
    harness.up()

    harness.program = things(store, a={"name": "alpha2", "value": 1, "exclusive": True})
    result = harness.up()

    methods = [c.method for c in result.provider_calls]
    assert methods.index("delete") < methods.index("create")
    assert [o["name"] for o in stored_objects(store).values()] == ["alpha2"]


def test_delete_before_replace_option_false_overrides_the_provider(
    harness: Harness, store: Path
) -> None:
    opts = pulumi.ResourceOptions(delete_before_replace=False)
    harness.program = things(
        store, a={"name": "alpha", "value": 1, "exclusive": True, "opts": opts}
    )
    harness.up()

    harness.program = things(
        store, a={"name": "alpha2", "value": 1, "exclusive": True, "opts": opts}
    )
    result = harness.up()

    methods = [c.method for c in result.provider_calls]
    assert methods.index("create") < methods.index("delete")


def test_a_resource_consuming_another_output_gets_the_real_value(
    harness: Harness, store: Path
) -> None:
    harness.program = chain(store, "a", "b")

    harness.up()

    a_id = harness.state.resource("a").id
    assert harness.state.outputs("b")["value"] == a_id
    assert stored_objects(store)[harness.state.resource("b").id]["value"] == a_id
    b_state = harness.state.resource("b")
    assert b_state.property_dependencies["value"] == [harness.state.resource("a").urn]


def test_unknown_diff_compares_inputs_like_the_engine(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1, "diff_mode": "legacy"})
    harness.up()

    unchanged = harness.up()
    harness.program = things(store, a={"name": "alpha", "value": 5, "diff_mode": "legacy"})
    changed = harness.up()

    assert unchanged.step("a") == "same"
    assert changed.step("a") == "update"
    assert harness.state.outputs("a")["value"] == 5


def test_check_failures_stop_the_run_before_any_change(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": "invalid"})

    with pytest.raises(CheckFailedError) as raised:
        harness.up()

    assert raised.value.urn.endswith("::a")
    assert raised.value.failures == (("value", "'invalid' is not an acceptable value"),)
    assert stored_objects(store) == {}


def test_stack_outputs_are_returned_and_saved(harness: Harness, store: Path) -> None:
    def program() -> None:
        thing = ToyThing("a", str(store), name="alpha", value=3)
        pulumi.export("id", thing.object_id)
        pulumi.export("token", pulumi.Output.secret("t0ken"))

    harness.program = program
    result = harness.up()

    assert result.outputs == {"id": harness.state.resource("a").id, "token": "t0ken"}
    assert result.secret_outputs == {"token"}
    assert harness.state.stack_outputs() == result.outputs


def test_ignore_changes_keeps_the_old_value(harness: Harness, store: Path) -> None:
    opts = pulumi.ResourceOptions(ignore_changes=["value"])
    harness.program = things(store, a={"name": "alpha", "value": 1, "opts": opts})
    harness.up()

    harness.program = things(store, a={"name": "alpha", "value": 2, "opts": opts})
    result = harness.up()

    assert result.step("a") == "same"
    assert harness.state.inputs("a")["value"] == 1


def test_stack_config_reaches_the_provider_configure(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1})
    harness.config = {"probe": "hello"}

    harness.up()

    assert [c["name"] for c in read_call_log(store) if c["method"] == "configure"] == ["hello"]


def test_diff_update_read_and_delete_get_the_saved_outputs(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1})
    harness.up()
    harness.program = things(store, a={"name": "alpha", "value": 2})
    harness.up()
    harness.refresh()
    harness.destroy()

    logged = {c["method"]: c.get("got_outputs") for c in read_call_log(store)}

    assert logged["diff"] is True
    assert logged["update"] is True
    assert logged["read"] is True
    assert logged["delete"] is True
