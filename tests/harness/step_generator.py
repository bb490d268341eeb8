"""Decides and executes the step for each resource the program registers, as the engine does.

Mirrors the engine's step generator (pulumi/pulumi `pkg/resource/deploy/step_generator.go`):
- new URN: Check(olds={}, news) then Create;
- known URN: apply `ignoreChanges` (top-level keys take their old input values), Check(old
  inputs, news), then Diff(old outputs, checked inputs). DIFF_UNKNOWN (a dynamic provider's
  `DiffResult.changes is None`) falls back to comparing old and new inputs, as the engine does.
  No change → "same": the saved id and outputs go back to the program, no create/update.
  Changes with replace keys → replace, otherwise update;
- replace: refused when the resource is protected in both the state and the program ("unable
  to replace resource ... marked for protection"); inputs are checked again without olds (the
  engine recomputes defaults for the new instance); then create-before-delete by default (the
  old instance stays in the state marked `delete` and is deleted after the program finishes,
  with the other deletes) or delete-before-create when the `deleteBeforeReplace` resource
  option says so, or, if the option is unset, when the provider's DiffResult asks for it;
- components (and the root stack) get no provider calls: create, or same/update by comparing
  inputs; their outputs arrive later through RegisterResourceOutputs;
- `protect` and `retainOnDelete` left unset are inherited from the parent;
- after the first failure no further step is started (the engine cancels the deployment).
In a preview only Check and Diff reach the provider: a created or updated resource returns its
checked inputs as outputs (what the engine does for providers without preview support, such as
the dynamic provider host), and nothing is created, updated or deleted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from tests.harness.checkpoint import ResourceState
from tests.harness.errors import HarnessError, ProtectedResourceError
from tests.harness.goal import Goal
from tests.harness.journal import Journal
from tests.harness.property_values import PropertyMap, mark_secret_outputs
from tests.harness.provider_plugin import ProviderPlugin, ResourceRef
from tests.harness.results import StepLog


@dataclass(frozen=True)
class Registered:
    """What goes back to the program for one registration."""

    id: str
    outputs: PropertyMap


@dataclass(frozen=True)
class _Options:
    protect: bool
    retain_on_delete: bool


class StepGenerator:
    def __init__(
        self, journal: Journal, plugin: ProviderPlugin, steps: StepLog, preview: bool
    ) -> None:
        self._journal = journal
        self._plugin = plugin
        self._steps = steps
        self._preview = preview
        self._options: dict[str, _Options] = {}
        self._lock = threading.Lock()
        self.failure: HarnessError | None = None

    def fail(self, error: HarnessError) -> None:
        """Remember the first failure; later registrations are refused."""
        if self.failure is None:
            self.failure = error

    def register(self, goal: Goal) -> Registered:
        with self._lock:
            if self.failure is not None:
                raise HarnessError(f"{goal.urn}: not registered, the run already failed")
            try:
                return self._register(goal)
            except HarnessError as err:
                self.fail(err)
                raise

    def register_outputs(self, urn: str, outputs: PropertyMap) -> None:
        """RegisterResourceOutputs: a component's (or the stack's) outputs, saved in the state."""
        with self._lock:
            entry = self._journal.new(urn)
            if entry is None or self.failure is not None:
                return
            entry.outputs = outputs
            self._journal.persist()

    def _register(self, goal: Goal) -> Registered:
        if self._journal.is_registered(goal.urn):
            raise HarnessError(f"duplicate resource URN {goal.urn!r}: names must be unique")
        options = self._resolve_options(goal)
        if goal.custom:
            return self._register_custom(goal, options)
        return self._register_component(goal, options)

    def _resolve_options(self, goal: Goal) -> _Options:
        inherited = self._options.get(goal.parent, _Options(False, False))
        options = _Options(
            protect=inherited.protect if goal.protect is None else goal.protect,
            retain_on_delete=(
                inherited.retain_on_delete
                if goal.retain_on_delete is None
                else goal.retain_on_delete
            ),
        )
        self._options[goal.urn] = options
        return options

    def _register_component(self, goal: Goal, options: _Options) -> Registered:
        old = self._journal.old(goal.urn)
        new = _new_state(goal, options, inputs=goal.inputs)
        if old is None:
            self._steps.record(goal.urn, "create")
        else:
            new.outputs = old.outputs
            self._steps.record(goal.urn, "same" if old.inputs == goal.inputs else "update")
        self._journal.record(new, superseding=old)
        return Registered("", {})

    def _register_custom(self, goal: Goal, options: _Options) -> Registered:
        ref = ResourceRef(goal.urn, goal.type)
        old = self._journal.old(goal.urn)
        if old is None:
            inputs = self._plugin.check(ref, {}, goal.inputs)
            self._steps.record(goal.urn, "create")
            return self._create(goal, options, ref, inputs)

        news = _apply_ignore_changes(goal.inputs, old.inputs, goal.ignore_changes)
        inputs = self._plugin.check(ref, old.inputs, news)
        diff = self._plugin.diff(ref, old.id, old.outputs, old.inputs, inputs, goal.ignore_changes)
        changes = diff.changes
        if changes == "unknown":
            changes = "none" if old.inputs == inputs else "some"
        if changes == "none":
            return self._same(goal, options, old, inputs)
        if diff.replaces:
            dbr = diff.delete_before_replace
            if goal.delete_before_replace is not None:
                dbr = goal.delete_before_replace
            return self._replace(goal, options, ref, old, delete_first=dbr)
        return self._update(goal, options, ref, old, inputs)

    def _same(
        self, goal: Goal, options: _Options, old: ResourceState, inputs: PropertyMap
    ) -> Registered:
        self._steps.record(goal.urn, "same")
        new = _new_state(goal, options, inputs=inputs, resource_id=old.id, outputs=old.outputs)
        self._journal.record(new, superseding=old)
        return Registered(old.id, old.outputs)

    def _update(
        self,
        goal: Goal,
        options: _Options,
        ref: ResourceRef,
        old: ResourceState,
        inputs: PropertyMap,
    ) -> Registered:
        self._steps.record(goal.urn, "update")
        if self._preview:
            outputs = dict(inputs)
        else:
            outputs = self._plugin.update(
                ref, old.id, old.outputs, old.inputs, inputs, goal.ignore_changes
            )
        outputs = mark_secret_outputs(outputs, goal.additional_secret_outputs)
        new = _new_state(goal, options, inputs=inputs, resource_id=old.id, outputs=outputs)
        self._journal.record(new, superseding=old)
        return Registered(old.id, outputs)

    def _replace(
        self,
        goal: Goal,
        options: _Options,
        ref: ResourceRef,
        old: ResourceState,
        delete_first: bool,
    ) -> Registered:
        if old.protect and options.protect:
            raise ProtectedResourceError([goal.urn], "replace")
        self._steps.record(goal.urn, "replace")
        inputs = self._plugin.check(ref, {}, goal.inputs)
        if delete_first:
            if not self._preview and not old.retain_on_delete:
                self._plugin.delete(ref, old.id, old.outputs, old.inputs)
            self._journal.forget(old)
            return self._create(goal, options, ref, inputs)
        registered = self._create(goal, options, ref, inputs)
        old.protect = False
        self._journal.mark_for_deletion(old)
        return registered

    def _create(
        self, goal: Goal, options: _Options, ref: ResourceRef, inputs: PropertyMap
    ) -> Registered:
        if self._preview:
            resource_id, outputs = "", dict(inputs)
        else:
            resource_id, outputs = self._plugin.create(ref, inputs)
        outputs = mark_secret_outputs(outputs, goal.additional_secret_outputs)
        new = _new_state(goal, options, inputs=inputs, resource_id=resource_id, outputs=outputs)
        self._journal.record(new)
        return Registered(resource_id, outputs)


def _new_state(
    goal: Goal,
    options: _Options,
    *,
    inputs: PropertyMap,
    resource_id: str = "",
    outputs: PropertyMap | None = None,
) -> ResourceState:
    return ResourceState(
        urn=goal.urn,
        type=goal.type,
        custom=goal.custom,
        id=resource_id,
        inputs=inputs,
        outputs=dict(outputs or {}),
        parent=goal.parent,
        dependencies=list(goal.dependencies),
        property_dependencies={k: list(v) for k, v in goal.property_dependencies.items()},
        protect=options.protect,
        retain_on_delete=options.retain_on_delete,
        additional_secret_outputs=list(goal.additional_secret_outputs),
    )


def _apply_ignore_changes(
    news: PropertyMap, old_inputs: PropertyMap, ignore_changes: tuple[str, ...]
) -> PropertyMap:
    """The engine's processIgnoreChanges for top-level keys: ignored keys keep their old value."""
    result = dict(news)
    for key in ignore_changes:
        if key in old_inputs:
            result[key] = old_inputs[key]
        else:
            result.pop(key, None)
    return result
