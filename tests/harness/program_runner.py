"""Runs a Pulumi program against a monitor, the way the Python language host does.

Follows the SDK's own in-process language host (`pulumi/automation/_server.py`,
`LanguageServer.Run`): reset the runtime settings, set the stack config and its secret keys
(`set_all_config`), create a fresh event loop and `run_in_stack(program)`, which creates the
root `pulumi:pulumi:Stack`, runs the program, registers the stack outputs and waits for every
outstanding registration (`wait_for_rpcs`); then cancel leftover tasks and close the loop.
The settings are those `pulumi.runtime.set_mocks` installs (`MockSettings` around a
`MockMonitor`), but the root stack is left to `run_in_stack`, so `pulumi.export` values reach
the monitor through RegisterResourceOutputs exactly as under the engine.

Every run happens on its own thread with an empty `contextvars.Context`, so no setting, root
resource, config value or event loop leaks from one run into the next or into the test. The
loop's default executor, which carries the SDK's RPCs to the monitor, has `parallel` x 4
workers as in the language host (`sdk/python/cmd/pulumi-language-python-exec`,
`_set_default_executor`), so registrations that do not depend on each other reach the monitor
concurrently. With `parallel=1` it has a single worker: registrations arrive one at a time in
program order, a deterministic run for debugging.

A program is a zero-argument callable or the path of a `__main__.py` (or of its directory),
which runs with `runpy` under the name `__main__`, with the working directory and `sys.path[0]`
set to its directory, like `pulumi up` in that directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import runpy
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

from google.protobuf.empty_pb2 import Empty  # type: ignore[import-untyped]
from pulumi.runtime import run_in_stack, set_all_config
from pulumi.runtime.mocks import MockEngine, MockMonitor, MockSettings
from pulumi.runtime.settings import ROOT, configure

ProgramSource = Callable[[], object] | str | os.PathLike[str]

_MAIN_FILE = "__main__.py"


def run_program(
    program: ProgramSource,
    *,
    monitor: MockMonitor,
    engine: MockEngine,
    project: str,
    stack: str,
    preview: bool,
    config: Mapping[str, str],
    secret_keys: Sequence[str],
    parallel: int,
) -> None:
    """Run `program` to completion; re-raises whatever the program (or a registration) raised."""
    entry_point, directory = _entry_point(program)
    program_directory = (
        contextlib.nullcontext() if callable(program) else _program_directory(directory)
    )

    def run() -> None:
        ROOT.set(None)
        configure(
            MockSettings(  # type: ignore[no-untyped-call]
                monitor=monitor,
                monitor_features=_supported_features(monitor),
                engine=engine,
                project=project,
                stack=stack,
                dry_run=preview,
                organization="organization",
                root_directory=str(directory),
                parallel=parallel,
                legacy_apply_enabled=False,
                callbacks=None,
                outputs=set(),
                lock=threading.Lock(),
                package_refs={},
                base_providers_by_ref={},
            )
        )
        set_all_config(dict(config), list(secret_keys))
        with program_directory:
            _run_event_loop(entry_point, workers=1 if parallel == 1 else parallel * 4)

    _run_on_fresh_thread(run)


def _supported_features(monitor: MockMonitor) -> set[int]:
    info = monitor.GetDeploymentInfo(Empty())  # type: ignore[no-untyped-call]
    return set(info.supportedFeatures)


def _entry_point(program: ProgramSource) -> tuple[Callable[[], object], Path]:
    if callable(program):
        return program, Path.cwd()
    path = Path(program)
    main_file = path / _MAIN_FILE if path.is_dir() else path
    if not main_file.is_file():
        raise FileNotFoundError(f"no Pulumi program at {main_file}")
    main_path = str(main_file.resolve())

    def run_main_file() -> None:
        runpy.run_path(main_path, run_name="__main__")

    return run_main_file, main_file.parent.resolve()


@contextlib.contextmanager
def _program_directory(directory: Path) -> Iterator[None]:
    previous_cwd = Path.cwd()
    sys.path.insert(0, str(directory))
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        with suppress(ValueError):
            sys.path.remove(str(directory))


def program_directory(program: ProgramSource) -> Path:
    """Where the program runs (and the provider plugin starts): the directory of its
    `__main__.py`, or the current directory for a callable."""
    return _entry_point(program)[1]


def _run_event_loop(entry_point: Callable[[], object], workers: int) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(_drop_unobserved_results)
    loop.set_default_executor(ThreadPoolExecutor(max_workers=workers, thread_name_prefix="monitor"))
    try:
        loop.run_until_complete(run_in_stack(entry_point))  # type: ignore[arg-type]
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                loop.run_until_complete(task)
        loop.run_until_complete(loop.shutdown_default_executor())
        asyncio.set_event_loop(None)
        loop.close()


def _drop_unobserved_results(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Ignore futures and tasks whose error nobody awaited (the run reports its failure).

    After a failed run the SDK leaves such futures behind (the language host silences them by
    muting the `asyncio` logger). Python's default handler would log them, formatting a
    traceback, whenever garbage collection finalizes them, maybe in the middle of another test:
    on Python 3.11 that can even break a concurrent `ast.parse` ("AST constructor recursion
    depth mismatch").
    """
    if "future" in context or "task" in context:
        return
    loop.default_exception_handler(context)


def _run_on_fresh_thread(fn: Callable[[], None]) -> None:
    failure: list[BaseException] = []

    def target() -> None:
        try:
            contextvars.Context().run(fn)
        except BaseException as err:  # re-raised on the caller's thread below
            failure.append(err)

    thread = threading.Thread(target=target, name="pulumi-program")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
