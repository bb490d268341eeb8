"""The four operations, each wired the way the engine runs the matching CLI command.

Every operation starts its own provider plugin process (`provider_process`) and stops it at the
end; `up`, `refresh` and `destroy` hold the stack lock (`stack_lock`) throughout.
- `update` (`pulumi up --skip-preview`; with `preview=True`, `pulumi preview`): run the program,
  whose registrations become steps (`step_generator`) executed on `parallel` workers, then,
  only if the program succeeded, delete what it no longer declares (`delete_phase`). A failing
  program or provider stops the run; the state saved so far stays (the engine does not delete
  anything after a failed program either, since it cannot know what was removed).
- `destroy` (`pulumi destroy`): no program run; delete everything in the state, in reverse
  dependency order, independent resources concurrently.
- `refresh` (`pulumi refresh`): no program run; Read every custom resource of the state
  concurrently (`GenerateRefreshes` + `ExecuteParallel`); an empty id means the object is gone
  and it leaves the state; otherwise its outputs (and inputs, if the provider returns some) are
  replaced by what Read returned, and differences from the saved outputs are reported. Old
  instances awaiting deletion are not read.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

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
    find_urn,
)
from tests.harness.stack_lock import stack_lock
from tests.harness.step_generator import StepGenerator


@dataclass(frozen=True)
class StackSettings:
    """Project, stack and the config as the CLI passes it (qualified keys, string values);
    `directory` is where the program (and so the provider plugin) runs; `parallel` is
    `--parallel`."""

    project: str
    stack: str
    config: Mapping[str, str]
    secret_keys: tuple[str, ...]
    directory: Path
    parallel: int
    state_path: Path


@contextlib.contextmanager
def _plugin(
    settings: StackSettings, log: ProgramLog
) -> Iterator[tuple[ProviderPlugin, CallRecorder]]:
    recorder = CallRecorder()
    process = DynamicProviderProcess(
        settings.config,
        cwd=settings.directory,
        project=settings.project,
        on_output=log.plugin_output,
    )
    with process:
        yield ProviderPlugin(process, recorder), recorder


@contextlib.contextmanager
def _locked(settings: StackSettings, lock: bool) -> Iterator[None]:
    if not lock:
        yield
        return
    with stack_lock(settings.state_path, settings.project, settings.stack):
        yield


def update(
    program: ProgramSource,
    settings: StackSettings,
    checkpoint: Checkpoint,
    *,
    preview: bool,
    replace: Collection[str] = (),
) -> RunResult:
    with _locked(settings, lock=not preview):
        steps = StepLog()
        journal = Journal(checkpoint.load(), save=None if preview else checkpoint.save)
        log = ProgramLog()
        with _plugin(settings, log) as (plugin, recorder):
            generator = StepGenerator(
                journal,
                plugin,
                steps,
                preview,
                parallel=settings.parallel,
                replace_targets=_resolve_targets(replace, journal.initial),
            )
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
                    parallel=settings.parallel,
                )
            except Exception as err:
                failure = _harness_failure(err, generator.failure)
                if failure is None:
                    raise ProgramError(f"the program failed: {type(err).__name__}: {err}") from err
            failure = failure or generator.failure
            if failure is not None:
                raise failure
            generator.finish()
            delete_resources(
                journal.unregistered_olds(),
                plugin=plugin,
                journal=journal,
                steps=steps,
                preview=preview,
                parallel=settings.parallel,
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
    with _locked(settings, lock=True):
        steps = StepLog()
        journal = Journal(checkpoint.load(), save=checkpoint.save)
        log = ProgramLog()
        with _plugin(settings, log) as (plugin, recorder):
            delete_resources(
                journal.unregistered_olds(),
                plugin=plugin,
                journal=journal,
                steps=steps,
                preview=False,
                parallel=settings.parallel,
            )
    return RunResult(
        provider_calls=recorder.calls(), kind="destroy", steps=steps.steps(), log=log.messages()
    )


def refresh(settings: StackSettings, checkpoint: Checkpoint) -> RefreshResult:
    with _locked(settings, lock=True):
        entries = checkpoint.load()
        journal = Journal(entries, save=checkpoint.save)
        log = ProgramLog()
        readable = [e for e in entries if e.custom and not e.delete]
        with (
            _plugin(settings, log) as (plugin, recorder),
            ThreadPoolExecutor(settings.parallel, thread_name_prefix="refresh") as workers,
        ):
            changes = list(workers.map(lambda e: _refresh_one(plugin, journal, e), readable))
    drift = {e.urn: c for e, c in zip(readable, changes, strict=True) if c}
    return RefreshResult(
        provider_calls=recorder.calls(),
        drift=drift,
        vanished=tuple(e.urn for e, c in zip(readable, changes, strict=True) if c is None),
        unchanged=tuple(e.urn for e, c in zip(readable, changes, strict=True) if c == ()),
        log=log.messages(),
    )


def _refresh_one(
    plugin: ProviderPlugin, journal: Journal, entry: ResourceState
) -> tuple[PropertyChange, ...] | None:
    """Read one resource and save what was read; None when it vanished, else its drift."""
    read = plugin.read(ResourceRef(entry.urn, entry.type), entry.id, entry.outputs, entry.inputs)
    if not read.id:
        journal.forget(entry)
        return None
    changes = compare_outputs(entry.outputs, read.outputs)

    def apply() -> None:
        entry.id = read.id
        entry.outputs = read.outputs
        if read.inputs is not None:
            entry.inputs = read.inputs

    journal.update(apply)
    return changes


def _resolve_targets(targets: Collection[str], olds: Collection[ResourceState]) -> frozenset[str]:
    """`--replace` targets as URNs; a logical name is accepted when it names one resource."""
    urns = [e.urn for e in olds]
    resolved: set[str] = set()
    for target in targets:
        try:
            resolved.add(find_urn(urns, target))
        except KeyError as err:
            raise HarnessError(f"--replace {target!r}: {err.args[0]}") from err
    return frozenset(resolved)


def default_parallel() -> int:
    """`pulumi up`'s default `--parallel`: PULUMI_PARALLEL if set, else GOMAXPROCS x 4
    (`defaultParallel` in `pkg/cmd/pulumi/operations/up.go`; GOMAXPROCS is the usable CPUs)."""
    configured = os.environ.get("PULUMI_PARALLEL", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return len(os.sched_getaffinity(0)) * 4


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
