"""Components and the root stack: recorded in the state, never sent to a provider."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from tests.harness import Harness, UnsupportedFeatureError
from tests.harness.toy_provider import ToyThing, stored_objects

GROUP_TYPE = "toy:index:Group"


class Group(pulumi.ComponentResource):
    """A component owning one ToyThing, exporting its object id as a component output."""

    def __init__(self, name: str, store: Path, label: str) -> None:
        super().__init__(GROUP_TYPE, name)
        child = pulumi.ResourceOptions(parent=self)
        self.thing = ToyThing(f"{name}-thing", str(store), name=label, value=1, opts=child)
        self.register_outputs({"thingId": self.thing.object_id})


def test_a_component_is_recorded_with_its_outputs(harness: Harness, store: Path) -> None:
    harness.program = lambda: Group("web", store, "alpha")

    first = harness.up()
    second = harness.up()

    group = harness.state.resource("web")
    assert group.custom is False
    assert harness.state.outputs("web") == {"thingId": harness.state.resource("web-thing").id}
    assert harness.state.resource("web-thing").parent == group.urn
    assert (first.step("web"), second.step("web")) == ("create", "same")
    assert {c.urn for c in first.provider_calls} == {harness.state.resource("web-thing").urn}


def test_a_removed_component_goes_after_its_children(harness: Harness, store: Path) -> None:
    harness.program = lambda: Group("web", store, "alpha")
    harness.up()

    harness.program = lambda: None
    result = harness.up()

    assert [urn.rsplit("::", 1)[-1] for urn in result.urns_with("delete")] == ["web-thing", "web"]
    assert result.call_counts == {"delete": 1}
    assert stored_objects(store) == {}


def test_resources_of_other_providers_are_refused(harness: Harness) -> None:
    harness.program = lambda: pulumi.CustomResource("aws:s3/bucket:Bucket", "logs", {})

    with pytest.raises(UnsupportedFeatureError, match="aws:s3/bucket:Bucket"):
        harness.up()
