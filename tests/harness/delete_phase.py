"""Deleting resources the way the engine does at the end of an update, and in a destroy.

Mirrors the engine's `GenerateDeletes`, `ScheduleDeletes` and `performPostSteps` (pulumi/pulumi
`pkg/resource/deploy/step_generator.go`, `deployment_executor.go`): after the program has
finished, every resource of the previous state that the program no longer registers, and every
old instance left by a create-before-delete replacement, is deleted in reverse dependency order
(a resource goes before anything it depends on, its parent included). The condemned resources
are split into antichains (sets of resources none of which depends on another); the antichains
run one after another, the deletes within one concurrently on the step executor's `parallel`
workers. `pulumi destroy` deletes the whole state the same way. A resource with
`retainOnDelete` leaves the state without a provider Delete.

Failures, as the step executor handles them (`cancelDueToError`): a protected resource's delete
fails ("unable to delete resource ... as it is currently marked for protection") without
stopping the others; what it depends on is then skipped, and the run fails at the end naming
every protected resource. Any other failed delete cancels the deployment: deletes already
running finish, no further antichain starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from tests.harness.checkpoint import ResourceState
from tests.harness.errors import HarnessError, ProtectedResourceError
from tests.harness.journal import Journal
from tests.harness.provider_plugin import ProviderPlugin, ResourceRef
from tests.harness.results import StepLog


def delete_antichains(condemned: Sequence[ResourceState]) -> list[list[ResourceState]]:
    """`condemned` as antichains in the order they must run (`ScheduleDeletes`): each
    resource's antichain comes before those of everything it depends on."""
    remaining = list(condemned)
    layers: list[list[ResourceState]] = []
    while remaining:
        urns = {e.urn for e in remaining}
        free = [e for e in remaining if not (e.depends_on() - {e.urn}) & urns]
        if not free:
            raise HarnessError(
                f"dependency cycle among {[e.urn for e in remaining]}; cannot order the deletes"
            )
        layers.append(free)
        remaining = [e for e in remaining if not any(e is f for f in free)]
    layers.reverse()
    return layers


def reverse_dependency_order(condemned: Sequence[ResourceState]) -> list[ResourceState]:
    """`condemned` flattened in the order the antichains run (later state entries first
    within one antichain)."""
    return [entry for layer in delete_antichains(condemned) for entry in reversed(layer)]


def delete_resources(
    condemned: Sequence[ResourceState],
    *,
    plugin: ProviderPlugin,
    journal: Journal,
    steps: StepLog,
    preview: bool,
    parallel: int,
) -> None:
    """Delete `condemned` as the engine schedules it, saving the state after each delete."""
    protected: list[ResourceState] = []
    failures: list[HarnessError] = []

    def delete(entry: ResourceState) -> None:
        steps.record(entry.urn, "delete")
        if entry.protect:
            protected.append(entry)
            return
        if preview:
            return
        try:
            if entry.custom and not entry.retain_on_delete:
                plugin.delete(
                    ResourceRef(entry.urn, entry.type), entry.id, entry.outputs, entry.inputs
                )
        except HarnessError as err:
            failures.append(err)
            return
        journal.forget(entry)

    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="delete") as workers:
        skipped: set[str] = set()
        for layer in delete_antichains(condemned):
            for entry in protected:
                skipped |= _transitive_dependencies(entry, condemned)
            runnable = [e for e in reversed(layer) if e.urn not in skipped]
            list(workers.map(delete, runnable))
            if failures:
                raise failures[0]
    if protected:
        raise ProtectedResourceError([e.urn for e in protected], "delete")


def _transitive_dependencies(entry: ResourceState, among: Sequence[ResourceState]) -> set[str]:
    by_urn = {e.urn: e for e in among}
    found: set[str] = set()
    pending = list(entry.depends_on())
    while pending:
        urn = pending.pop()
        if urn in found or urn not in by_urn:
            continue
        found.add(urn)
        pending.extend(by_urn[urn].depends_on())
    return found
