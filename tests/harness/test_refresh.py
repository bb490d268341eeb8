"""`refresh`: Read every resource, report drift and vanished objects, update the state."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi

from tests.harness import Harness, PropertyChange
from tests.harness.conftest import things
from tests.harness.toy_provider import ToyThing, stored_objects


def _edit_object(store: Path, object_id: str, **changes: object) -> None:
    path = store / f"{object_id}.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**stored, **changes}), encoding="utf-8")


def test_refresh_reports_drift_and_updates_the_state(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2})
    harness.up()
    _edit_object(store, harness.state.resource("a").id, value=99)

    result = harness.refresh()

    assert result.call_counts == {"read": 2}
    assert result.drift_of("a") == {"value": PropertyChange("value", "changed", 1, 99)}
    assert result.unchanged == (harness.state.resource("b").urn,)
    assert result.has_drift
    assert harness.state.outputs("a")["value"] == 99


def test_refresh_without_drift_changes_nothing(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1})
    harness.up()
    state_before = harness.state.outputs("a")

    result = harness.refresh()

    assert not result.has_drift
    assert result.drift_of("a") == {}
    assert harness.state.outputs("a") == state_before


def test_refresh_drops_a_vanished_resource_and_up_recreates_it(
    harness: Harness, store: Path
) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2})
    harness.up()
    a_urn = harness.state.resource("a").urn
    (store / f"{harness.state.resource('a').id}.json").unlink()

    result = harness.refresh()
    recreated = harness.up()

    assert result.vanished == (a_urn,)
    assert recreated.step("a") == "create"
    assert recreated.step("b") == "same"
    assert [o["name"] for o in stored_objects(store).values()].count("alpha") == 1


def test_drift_of_a_secret_is_reported_masked(harness: Harness, store: Path) -> None:
    def program() -> None:
        ToyThing("a", str(store), name="alpha", value=1, secret=pulumi.Output.secret("old-pass"))

    harness.program = program
    harness.up()
    _edit_object(store, harness.state.resource("a").id, secret="new-pass")

    result = harness.refresh()

    assert result.drift_of("a")["secret"] == PropertyChange(
        "secret", "changed", "[secret]", "[secret]"
    )
    assert harness.state.outputs("a")["secret"] == "new-pass"
    assert "new-pass" not in harness.state_path.read_text(encoding="utf-8")
