"""The state file: persistence across Harness instances, secrets, consistency after failures."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from tests.harness import Harness, ProviderStepError, StateFileError
from tests.harness.conftest import PROJECT, STACK, things
from tests.harness.toy_provider import ToyThing, stored_objects


def test_state_carries_over_to_a_new_harness_instance(state_path: Path, store: Path) -> None:
    program = things(store, a={"name": "alpha", "value": 1})
    Harness(program, PROJECT, STACK, state_path).up()

    second = Harness(program, PROJECT, STACK, state_path).up()

    assert second.step("a") == "same"
    assert second.call_counts == {"check": 1, "diff": 1}
    assert len(stored_objects(store)) == 1


def test_secrets_never_appear_in_plaintext_in_the_state_file(harness: Harness, store: Path) -> None:
    def program() -> None:
        password = pulumi.Config().require_secret("password")
        ToyThing("a", str(store), name="alpha", value=1, secret=password)
        pulumi.export("password", password)

    harness.program = program
    harness.config = {"password": "correct-horse-battery"}
    harness.secret_keys = ("password",)
    result = harness.up()

    text = harness.state_path.read_text(encoding="utf-8")
    assert "correct-horse-battery" not in text
    assert harness.state.outputs("a")["secret"] == "correct-horse-battery"
    assert harness.state.inputs("a")["secret"] == "correct-horse-battery"
    assert result.secret_outputs == {"password"}
    assert harness.state.stack_outputs()["password"] == "correct-horse-battery"


def test_additional_secret_outputs_are_sealed(harness: Harness, store: Path) -> None:
    opts = pulumi.ResourceOptions(additional_secret_outputs=["path"])
    harness.program = things(store, a={"name": "alpha", "value": 1, "opts": opts})

    harness.up()

    saved = json.loads(harness.state_path.read_text(encoding="utf-8"))
    a = next(r for r in saved["resources"] if r["urn"].endswith("::a"))
    assert "ciphertext" in a["outputs"]["path"]
    assert str(store) not in json.dumps(a["outputs"]["path"])
    assert harness.state.outputs("a")["path"].startswith(str(store))


def test_failed_create_names_the_resource_and_keeps_what_was_done(
    harness: Harness, store: Path
) -> None:
    harness.program = things(
        store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2, "fail_on": "create"}
    )

    with pytest.raises(ProviderStepError) as raised:
        harness.up()

    assert raised.value.step == "create"
    assert raised.value.urn.endswith("::b")
    assert "create of 'beta' failed as the test asked" in str(raised.value)
    assert [r.name for r in harness.state.resources(custom_only=True)] == ["a"]
    assert list(stored_objects(store)) == [harness.state.resource("a").id]

    harness.program = things(store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2})
    retry = harness.up()
    assert (retry.step("a"), retry.step("b")) == ("same", "create")


def test_failed_update_keeps_the_previous_outputs(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1})
    harness.up()

    harness.program = things(store, a={"name": "alpha", "value": 2, "fail_on": "update"})
    with pytest.raises(ProviderStepError) as raised:
        harness.up()

    assert (raised.value.step, raised.value.urn.rsplit("::", 1)[-1]) == ("update", "a")
    assert harness.state.outputs("a")["value"] == 1


def test_no_delete_runs_after_a_failed_program(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2})
    harness.up()

    def failing_program() -> None:
        ToyThing("a", str(store), name="alpha", value=1)
        raise RuntimeError("bad config")

    harness.program = failing_program
    with pytest.raises(Exception, match="bad config"):
        harness.up()

    assert len(stored_objects(store)) == 2
    assert {r.name for r in harness.state.resources(custom_only=True)} == {"a", "b"}


def test_replaced_instance_waits_in_the_state_until_its_delete_succeeds(
    harness: Harness, store: Path
) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1, "fail_on": "delete"})
    harness.up()
    old_id = harness.state.resource("a").id

    harness.program = things(store, a={"name": "alpha2", "value": 1, "fail_on": "delete"})
    with pytest.raises(ProviderStepError, match="delete"):
        harness.up()
    pending = harness.state.pending_deletes()

    assert [p.id for p in pending] == [old_id]
    assert harness.state.resource("a").id != old_id
    assert len(stored_objects(store)) == 2

    harness.program = things(store, a={"name": "alpha2", "value": 1})
    _clear_fail_on(store, old_id)
    retry = harness.up()
    assert retry.calls("delete")[0].resource_id == old_id
    assert harness.state.pending_deletes() == []
    assert old_id not in stored_objects(store)


def test_a_state_file_of_another_stack_is_refused(state_path: Path, store: Path) -> None:
    program = things(store, a={"name": "alpha", "value": 1})
    Harness(program, PROJECT, STACK, state_path).up()

    with pytest.raises(StateFileError, match="stack 'dev'"):
        Harness(program, PROJECT, "prod", state_path).up()


def _clear_fail_on(store: Path, object_id: str) -> None:
    path = store / f"{object_id}.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored.pop("fail_on", None)
    path.write_text(json.dumps(stored), encoding="utf-8")
