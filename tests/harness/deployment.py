"""The four operations, each wired the way the engine runs the matching CLI command.

- `update` (`pulumi up`; with `preview=True`, `pulumi preview`): start a fresh provider host,
  run the program, which registers resources one by one (steps decided by `step_generator`),
  then, only if the program succeeded, delete what it no longer declares (`delete_phase`). A
  failing program or provider stops the run; the state saved so far stays (the engine does not
  delete anything after a failed program either, since it cannot know what was removed).
- `destroy` (`pulumi destroy`): no program run; delete everything in the state, in reverse
  dependency order; protected resources make it refuse before deleting anything.
- `refresh` (`pulumi refresh`): no program run; Read every custom resource of the state; an
  empty id means the object is gone and it leaves the state; otherwise its outputs (and inputs,
  if the provider returns some) are replaced by what Read returned, and differences from the
  saved outputs are reported. Old instances awaiting deletion are not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tests.harness.checkpoint import Checkpoint, ResourceState
from tests.harness.delete_phase import delete_resources
from tests.harness.errors import HarnessError, ProgramError
from tests.harness.goal import STACK_TYPE
from tests.harness.journal import Journal
from tests.harness.program_runner import ProgramSource, run_program
from tests.harness.property_values import (
    PROVIDER_KEY,
    PropertyMap,
    contains_secrets,
    masked,
    reveal,
)
from tests.harness.provider_plugin import ProviderPlugin, ResourceRef
from tests.harness.provider_process import DynamicProviderProcess
from tests.harness.resource_monitor import HarnessMonitor, ProgramLog
from tests.harness.results import (
    CallRecorder,
    PropertyChange,
    RefreshResult,
    RunResult,
    StepLog,
)
from tests.harness.step_generator import StepGenerator


@dataclass(frozen=True)
class StackSettings:
    """Project, stack and the config as the CLI passes it (qualified keys, string values)."""

    project: str
    stack: str
    config: Mapping[str, str]
    secret_keys: tuple[str, ...]


def update(
    program: ProgramSource, settings: StackSettings, checkpoint: Checkpoint, *, preview: bool
) -> RunResult:
    recorder = CallRecorder()
    steps = StepLog()
    journal = Journal(checkpoint.load(), save=None if preview else checkpoint.save)
    plugin = ProviderPlugin(DynamicProviderProcess(settings.config), recorder)
    generator = StepGenerator(journal, plugin, steps, preview)
    log = ProgramLog()
    failure: HarnessError | None = None
    try:
        run_program(
            program,
            monitor=HarnessMonitor(generator, settings.project, settings.stack),
            engine=log,
            project=settings.project,
            stack=settings.stack,
            preview=preview,
            config=settings.config,
            secret_keys=settings.secret_keys,
        )
    except Exception as err:
        failure = _harness_failure(err, generator.failure)
        if failure is None:
            raise ProgramError(f"the program failed: {type(err).__name__}: {err}") from err
    failure = failure or generator.failure
    if failure is not None:
        raise failure
    delete_resources(
        journal.unregistered_olds(), plugin=plugin, journal=journal, steps=steps, preview=preview
    )
    stack_outputs = _stack_outputs(journal.everything())
    return RunResult(
        provider_calls=recorder.calls(),
        kind="preview" if preview else "up",
        steps=steps.steps(),
        outputs=reveal(stack_outputs),
        secret_outputs=frozenset(k for k, v in stack_outputs.items() if contains_secrets(v)),
        log=log.messages(),
    )


def destroy(settings: StackSettings, checkpoint: Checkpoint) -> RunResult:
    recorder = CallRecorder()
    steps = StepLog()
    journal = Journal(checkpoint.load(), save=checkpoint.save)
    plugin = ProviderPlugin(DynamicProviderProcess(settings.config), recorder)
    delete_resources(
        journal.unregistered_olds(), plugin=plugin, journal=journal, steps=steps, preview=False
    )
    return RunResult(provider_calls=recorder.calls(), kind="destroy", steps=steps.steps())


def refresh(settings: StackSettings, checkpoint: Checkpoint) -> RefreshResult:
    recorder = CallRecorder()
    entries = checkpoint.load()
    journal = Journal(entries, save=checkpoint.save)
    plugin = ProviderPlugin(DynamicProviderProcess(settings.config), recorder)
    drift: dict[str, tuple[PropertyChange, ...]] = {}
    vanished: list[str] = []
    unchanged: list[str] = []
    for entry in entries:
        if not entry.custom or entry.delete:
            continue
        read = plugin.read(
            ResourceRef(entry.urn, entry.type), entry.id, entry.outputs, entry.inputs
        )
        if not read.id:
            vanished.append(entry.urn)
            journal.forget(entry)
            continue
        changes = compare_outputs(entry.outputs, read.outputs)
        entry.id = read.id
        entry.outputs = read.outputs
        if read.inputs is not None:
            entry.inputs = read.inputs
        journal.persist()
        if changes:
            drift[entry.urn] = changes
        else:
            unchanged.append(entry.urn)
    return RefreshResult(
        provider_calls=recorder.calls(),
        drift=drift,
        vanished=tuple(vanished),
        unchanged=tuple(unchanged),
    )


def compare_outputs(before: PropertyMap, after: PropertyMap) -> tuple[PropertyChange, ...]:
    """Top-level outputs that differ, secrets shown as `[secret]` as the CLI shows them."""
    changes: list[PropertyChange] = []
    for key in sorted((set(before) | set(after)) - {PROVIDER_KEY}):
        if key not in after:
            changes.append(PropertyChange(key, "removed", before=masked(before[key])))
        elif key not in before:
            changes.append(PropertyChange(key, "added", after=masked(after[key])))
        elif before[key] != after[key]:
            changes.append(PropertyChange(key, "changed", masked(before[key]), masked(after[key])))
    return tuple(changes)


def _stack_outputs(resources: list[ResourceState]) -> PropertyMap:
    for entry in resources:
        if entry.type == STACK_TYPE and not entry.parent:
            return entry.outputs
    return {}


def _harness_failure(err: Exception, step_failure: HarnessError | None) -> HarnessError | None:
    """What explains a failed program run: the failed step, else a harness error in the chain
    of `err` (an option or call the harness refuses); None for the program's own errors."""
    if step_failure is not None:
        return step_failure
    seen: list[BaseException] = []
    cause: BaseException | None = err
    while cause is not None and not any(cause is s for s in seen):
        if isinstance(cause, HarnessError):
            return cause
        seen.append(cause)
        cause = cause.__cause__ or cause.__context__
    return None
