"""Read-only view of a saved stack state, for assertions (`pulumi stack export`, in short).

Values are in the engine's wire form inside `ResourceState`; the accessors here hand back plain
Python (secrets revealed, the pickled `__provider` left out) because that is what tests compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.harness.checkpoint import ResourceState
from tests.harness.goal import STACK_TYPE
from tests.harness.property_values import reveal, without_provider
from tests.harness.results import find_urn


class StackState:
    def __init__(self, resources: Sequence[ResourceState]) -> None:
        self._resources = list(resources)

    def resources(self, *, custom_only: bool = False) -> list[ResourceState]:
        """Every resource in state order (the root stack and components included by default)."""
        return [r for r in self._resources if r.custom or not custom_only]

    def urns(self) -> list[str]:
        return [r.urn for r in self._resources]

    def resource(self, urn_or_name: str) -> ResourceState:
        """One live resource by URN or logical name (old instances awaiting deletion excluded)."""
        live = [r for r in self._resources if not r.delete]
        urn = find_urn([r.urn for r in live], urn_or_name)
        return next(r for r in live if r.urn == urn)

    def outputs(self, urn_or_name: str) -> dict[str, Any]:
        """A resource's outputs as plain values, without `__provider`."""
        return dict(reveal(without_provider(self.resource(urn_or_name).outputs)))

    def inputs(self, urn_or_name: str) -> dict[str, Any]:
        """A resource's (checked) inputs as plain values, without `__provider`."""
        return dict(reveal(without_provider(self.resource(urn_or_name).inputs)))

    def stack_outputs(self) -> dict[str, Any]:
        """What the program exported, as plain values."""
        for entry in self._resources:
            if entry.type == STACK_TYPE and not entry.parent:
                return dict(reveal(entry.outputs))
        return {}

    def pending_deletes(self) -> list[ResourceState]:
        """Old instances left by a create-before-delete replacement whose delete has not run."""
        return [r for r in self._resources if r.delete]

    def __len__(self) -> int:
        return len(self._resources)
