"""Unit tests of the value plumbing: secrets at rest, secret annotation, delete ordering."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.harness.checkpoint import ResourceState
from tests.harness.delete_phase import delete_antichains, reverse_dependency_order
from tests.harness.property_values import annotate_secrets, is_secret, make_secret, reveal
from tests.harness.secrets_at_rest import open_secrets, seal_secrets

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=5), inner, max_size=3),
        inner.map(make_secret),
    ),
    max_leaves=12,
)

PASSWORD = "Tr0ub4dor&3-never-in-files"


@given(json_values)
def test_sealing_secrets_round_trips(value: Any) -> None:
    assert open_secrets(json.loads(json.dumps(seal_secrets(value)))) == value


@given(json_values)
def test_a_sealed_secret_never_shows_its_plaintext(value: Any) -> None:
    sealed = seal_secrets({"wrapper": value, "password": make_secret(PASSWORD)})

    assert PASSWORD not in json.dumps(sealed)
    assert reveal(open_secrets(sealed))["password"] == PASSWORD


def test_outputs_become_secret_where_the_same_input_was() -> None:
    ins = {"password": make_secret("pw"), "name": "web", "disk": {"key": make_secret("k")}}
    outs = {"password": "pw", "name": "web", "disk": {"key": "k", "size": 10}, "uuid": "u-1"}

    annotated = annotate_secrets(outs, ins)

    assert is_secret(annotated["password"])
    assert not is_secret(annotated["name"])
    assert not is_secret(annotated["disk"])
    assert is_secret(annotated["disk"]["key"])
    assert annotated["disk"]["size"] == 10
    assert annotated["uuid"] == "u-1"


def test_a_list_with_one_secret_becomes_secret_as_a_whole() -> None:
    ins = {"keys": ["a", make_secret("b")]}

    annotated = annotate_secrets({"keys": ["a", "b"]}, ins)

    assert annotated["keys"] == make_secret(["a", "b"])


def _state(name: str, *deps: str, parent: str = "") -> ResourceState:
    return ResourceState(
        urn=f"urn:pulumi:s::p::t::{name}",
        type="t",
        custom=True,
        dependencies=[f"urn:pulumi:s::p::t::{d}" for d in deps],
        parent=f"urn:pulumi:s::p::t::{parent}" if parent else "",
    )


def test_deletes_go_dependents_and_children_first_in_antichains() -> None:
    condemned = [
        _state("net"),
        _state("group"),
        _state("disk"),
        _state("vm", "net", "disk", parent="group"),
        _state("other"),
    ]

    layers = [{s.name for s in layer} for layer in delete_antichains(condemned)]
    order = [s.name for s in reverse_dependency_order(condemned)]

    assert layers == [{"vm"}, {"net", "group", "disk", "other"}], "ScheduleDeletes' antichains"
    assert order == ["vm", "other", "disk", "group", "net"], "later state entries first"
