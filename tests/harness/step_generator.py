"""Decides and executes the step for each resource the program registers, as the engine does.

Mirrors the engine's step generator (pulumi/pulumi `pkg/resource/deploy/step_generator.go`):
- new URN: Check(olds={}, news) then Create;
- known URN: apply `ignoreChanges` (top-level keys take their old input values), Check(old
  inputs, news), then Diff(old outputs, checked inputs). DIFF_UNKNOWN (a dynamic provider's
  `DiffResult.changes is None`) falls back to comparing old and new inputs, as the engine does.
  No change → "same": the saved id and outputs go back to the program, no create/update.
  Changes with replace keys → replace, otherwise update;
- `up --replace URN` (`isTargetedReplace` in `diff`): Diff is skipped and the resource is
  replaced, blaming `id`; its checked inputs are kept (no re-check);
- replace: refused when the resource is protected in both the state and the program ("unable
  to replace resource ... marked for protection"); inputs are checked again without olds (the
  engine recomputes defaults for the new instance); then create-before-delete by default (the
  old instance stays in the state marked `delete` and is deleted after the program finishes,
  with the other deletes) or delete-before-create when the `deleteBeforeReplace` resource
  option says so, or, if the option is unset, when the provider's DiffResult asks for it;
- delete-before-replace deletes the dependents first (`calculateDependentReplacements`): every
  resource of the previous state that depends on the replaced one, transitively, and has not
  started registering, is diffed with the inputs that depend on a replaced resource set to
  unknown; those whose Diff asks for a replacement are deleted (dependents first) before the
  resource itself, and re-created without a Diff when the program registers them again
  (`recreating`: Replace + CreateReplacement); a protected one stops the run instead;
- components (and the root stack) get no provider calls: create, or same/update by comparing
  inputs; their outputs arrive later through RegisterResourceOutputs;
- `protect` and `retainOnDelete` left unset are inherited from the parent;
- after the first failure no further step is started (the engine cancels the deployment).

Concurrency, as the engine's deployment executor and step executor (`deployment_executor.go`,
`step_executor.go`): registrations arrive concurrently from the program; each one's step is
decided under one lock (the engine handles one event at a time) and executed by one of
`parallel` workers (`pulumi up --parallel`, default GOMAXPROCS x 4); the RegisterResource call
returns when its step is done. A step also waits for the steps of the resources it depends on
(dependencies, property dependencies, parent) registered in the same run, so dependency order
holds even for a program that registers a dependent before its dependencies finished.
In a preview only Check and Diff reach the provider: a created or updated resource returns its
checked inputs as outputs (what the engine does for providers without preview support, such as
the dynamic provider host), and nothing is created, updated or deleted.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from tests.harness.checkpoint import ResourceState
from tests.harness.errors import HarnessError, ProtectedResourceError
from tests.harness.goal import Goal
from tests.harness.journal import Journal
from tests.harness.property_values import UNKNOWN, PropertyMap, mark_secret_outputs
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
        self,
        journal: Journal,
        plugin: ProviderPlugin,
        steps: StepLog,
        preview: bool,
        *,
        parallel: int,
        replace_targets: Collection[str] = (),
    ) -> None:
        self._journal = journal
        self._plugin = plugin
        self._steps = steps
        self._preview = preview
        self._replace_targets = frozenset(replace_targets)
        self._options: dict[str, _Options] = {}
        self._lock = threading.Lock()
        """Held while a step is decided: the engine handles one event at a time."""
        self._workers = threading.BoundedSemaphore(parallel)
        """One per step executor worker."""
        self._started: dict[str, threading.Event] = {}
        """Registrations of this run; each event is set when its step is done."""
        self._recreate: dict[str, ResourceState] = {}
        """Dependents deleted before a delete-before-replace, until registered again."""
        self._failure_lock = threading.Lock()
        self.failure: HarnessError | None = None

    def fail(self, error: HarnessError) -> None:
        """Remember the first failure; later registrations are refused."""
        with self._failure_lock:
            if self.failure is None:
                self.failure = error

    def register(self, goal: Goal) -> Registered:
        with self._lock:
            self._refuse_after_failure(goal)
            try:
                if goal.urn in self._started:
                    raise HarnessError(f"duplicate resource URN {goal.urn!r}: names must be unique")
                options = self._resolve_options(goal)
            except HarnessError as err:
                self.fail(err)
                raise
            done = self._started[goal.urn] = threading.Event()
            awaited = [self._started[u] for u in _needs(goal) if u in self._started]
        try:
            for event in awaited:
                event.wait()
            with self._workers:
                self._refuse_after_failure(goal)
                return self._register(goal, options)
        except HarnessError as err:
            self.fail(err)
            raise
        finally:
            done.set()

    def register_outputs(self, urn: str, outputs: PropertyMap) -> None:
        """RegisterResourceOutputs: a component's (or the stack's) outputs, saved in the state."""
        entry = self._journal.new(urn)
        if entry is None or self.failure is not None:
            return

        def set_outputs() -> None:
            entry.outputs = outputs

        self._journal.update(set_outputs)

    def finish(self) -> None:
        """After the program: dependents deleted for a delete-before-replace and never
        registered again were deletes."""
        for urn in list(self._recreate):
            self._steps.record(urn, "delete")

    def _refuse_after_failure(self, goal: Goal) -> None:
        if self.failure is not None:
            raise HarnessError(f"{goal.urn}: not registered, the run already failed")

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

    def _register(self, goal: Goal, options: _Options) -> Registered:
        if goal.custom:
            return self._register_custom(goal, options)
        return self._register_component(goal, options)

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
        with self._lock:
            deleted = self._recreate.pop(goal.urn, None)
        if deleted is not None:
            news = _apply_ignore_changes(goal.inputs, deleted.inputs, goal.ignore_changes)
            inputs = self._plugin.check(ref, deleted.inputs, news)
            self._steps.record(goal.urn, "replace")
            return self._create(goal, options, ref, inputs)
        old = self._journal.old(goal.urn)
        if old is None:
            inputs = self._plugin.check(ref, {}, goal.inputs)
            self._steps.record(goal.urn, "create")
            return self._create(goal, options, ref, inputs)

        news = _apply_ignore_changes(goal.inputs, old.inputs, goal.ignore_changes)
        inputs = self._plugin.check(ref, old.inputs, news)
        if goal.urn in self._replace_targets:
            dbr = goal.delete_before_replace is True
            return self._replace(goal, options, ref, old, delete_first=dbr, inputs=inputs)
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
        inputs: PropertyMap | None = None,
    ) -> Registered:
        if old.protect and options.protect:
            raise ProtectedResourceError([goal.urn], "replace")
        self._steps.record(goal.urn, "replace")
        if inputs is None:
            inputs = self._plugin.check(ref, {}, goal.inputs)
        if delete_first:
            self._delete_dependents_first(old)
            if not self._preview and not old.retain_on_delete:
                self._plugin.delete(ref, old.id, old.outputs, old.inputs)
            self._journal.forget(old)
            return self._create(goal, options, ref, inputs)
        registered = self._create(goal, options, ref, inputs)

        def condemn() -> None:
            old.protect = False
            old.delete = True

        self._journal.update(condemn)
        return registered

    def _delete_dependents_first(self, root: ResourceState) -> None:
        """Delete what must go before `root` can be deleted (see the module docstring)."""
        with self._lock:
            skip = set(self._started) | set(self._recreate)
            condemned = self._dependent_replacements(root, skip)
            protected = [d.urn for d in condemned if d.protect and not d.delete]
            if protected:
                operation = f"replace (as part of replacing {root.urn!r})"
                raise ProtectedResourceError(protected, operation)
            for entry in reversed(condemned):
                if not self._preview and entry.custom and not entry.retain_on_delete:
                    self._plugin.delete(
                        ResourceRef(entry.urn, entry.type), entry.id, entry.outputs, entry.inputs
                    )
                self._journal.forget(entry)
                if not entry.delete:
                    self._recreate[entry.urn] = entry

    def _dependent_replacements(self, root: ResourceState, skip: set[str]) -> list[ResourceState]:
        """Dependents of `root` in the previous state that a replacement of `root` replaces,
        in dependency order."""
        replace_set = {root.urn}
        dependents = {root.urn}
        condemned: list[ResourceState] = []
        for entry in self._journal.initial:
            if entry is root or entry.urn in skip or not entry.depends_on() & dependents:
                continue
            dependents.add(entry.urn)
            if self._requires_replacement(entry, replace_set):
                condemned.append(entry)
                replace_set.add(entry.urn)
        return condemned

    def _requires_replacement(self, entry: ResourceState, replace_set: set[str]) -> bool:
        if not entry.custom:
            return False
        inputs = dict(entry.inputs)
        affected = [
            key
            for key in inputs
            if any(dep in replace_set for dep in entry.property_dependencies.get(key, []))
        ]
        if not affected:
            return False
        inputs.update(dict.fromkeys(affected, UNKNOWN))
        ref = ResourceRef(entry.urn, entry.type)
        diff = self._plugin.diff(ref, entry.id, entry.outputs, entry.inputs, inputs, ())
        return bool(diff.replaces)

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


def _needs(goal: Goal) -> Sequence[str]:
    """The URNs whose steps must be done before this resource's step starts."""
    urns = [*goal.dependencies, *(u for deps in goal.property_dependencies.values() for u in deps)]
    if goal.parent:
        urns.append(goal.parent)
    return urns


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
