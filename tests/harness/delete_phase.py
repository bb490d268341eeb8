"""Deleting resources the way the engine does at the end of an update, and in a destroy.

Mirrors the engine's `GenerateDeletes` and `ScheduleDeletes` (pulumi/pulumi
`pkg/resource/deploy/step_generator.go`): after the program has finished, every resource of the
previous state that the program no longer registers, and every old instance left by a
create-before-delete replacement, is deleted in reverse dependency order (a resource goes before
anything it depends on, its parent included). `pulumi destroy` deletes the whole state the same
way. A resource with `retainOnDelete` leaves the state without a provider Delete.

Protection (the `protect` resource option): the engine's DeleteStep refuses a protected resource
with "unable to delete resource ... as it is currently marked for protection". The harness is
stricter: it checks every condemned resource first and, if any is protected, deletes nothing at
all, so a test can never lose a resource that sits next to a protected one.
"""

from __future__ import annotations

from collections.abc import Sequence

from tests.harness.checkpoint import ResourceState
from tests.harness.errors import HarnessError, ProtectedResourceError
from tests.harness.journal import Journal
from tests.harness.provider_plugin import ProviderPlugin, ResourceRef
from tests.harness.results import StepLog


def reverse_dependency_order(condemned: Sequence[ResourceState]) -> list[ResourceState]:
    """`condemned` ordered so that each resource comes before everything it depends on.

    Among independent resources, the one later in the state goes first (the reverse of the
    order they were created in).
    """
    remaining = list(condemned)
    ordered: list[ResourceState] = []
    while remaining:
        free = [
            entry
            for entry in remaining
            if not any(
                other is not entry and entry.urn in other.depends_on() for other in remaining
            )
        ]
        if not free:
            raise HarnessError(
                f"dependency cycle among {[e.urn for e in remaining]}; cannot order the deletes"
            )
        ordered.extend(reversed(free))
        remaining = [e for e in remaining if not any(e is f for f in free)]
    return ordered


def delete_resources(
    condemned: Sequence[ResourceState],
    *,
    plugin: ProviderPlugin,
    journal: Journal,
    steps: StepLog,
    preview: bool,
) -> None:
    """Delete `condemned` in reverse dependency order, saving the state after each delete."""
    protected = [entry.urn for entry in condemned if entry.protect]
    if protected:
        raise ProtectedResourceError(protected, "delete")
    for entry in reverse_dependency_order(condemned):
        steps.record(entry.urn, "delete")
        if preview:
            continue
        if entry.custom and not entry.retain_on_delete:
            plugin.delete(ResourceRef(entry.urn, entry.type), entry.id, entry.outputs, entry.inputs)
        journal.forget(entry)
