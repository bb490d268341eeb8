"""Progress of long work the user waits for: image imports, volume copies, migrations,
snapshot runs over many VMs.

Where stderr goes decides the form. A terminal gets a live display (rich: bar, amount,
rate, time left). Anything else — cron, CI, and `pulumi up`, whose CLI shows a provider
process's stderr as plain info lines — gets plain lines: a task's first line, then at most
one line per interval (10 s; `KVM_PROGRESS_INTERVAL`), then its last, so a log stays short
and the engine's display is never broken by cursor movement. `KVM_PROGRESS=live|plain|off`
overrides the choice.

Line formatting and throttling are pure (`progress_line`, `Throttle`); tests drive them with
a fake clock.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Literal, Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from components.providers.plugin_log import write_line

Unit = Literal["bytes", "VMs"]
Clock = Callable[[], float]

MODE_ENV = "KVM_PROGRESS"
INTERVAL_ENV = "KVM_PROGRESS_INTERVAL"
DEFAULT_INTERVAL_SECONDS = 10.0

_BYTE_UNITS = (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))


def amount(value: float, unit: Unit) -> str:
    """`1.5 GiB`, `512 B`, `3 VMs`: bytes in the largest binary unit, one decimal."""
    if unit != "bytes":
        return f"{int(value)} {unit}"
    for name, factor in _BYTE_UNITS:
        if value >= factor:
            return f"{value / factor:.1f} {name}"
    return f"{int(value)} B"


def progress_line(
    what: str,
    done: float,
    total: float | None,
    unit: Unit,
    detail: str = "",
    *,
    seconds: float = 0.0,
    end: str | None = None,
) -> str:
    """One plain line: `importing x: 1.2 GiB of 2.0 GiB (60%), 40.0 MiB/s, <detail>`, or
    `snapshots on hv1: 3 of 12 VMs (25%)`.

    `seconds` since the start gives the byte rate (from one second on); `end` marks the
    task's last line: `done` (`done in 12 s`) or why it stopped (`failed after 3 s: …`).
    """
    if total and unit != "bytes":
        text = f"{what}: {int(done)} of {int(total)} {unit} ({_percent(done, total)}%)"
    elif total:
        text = f"{what}: {amount(done, unit)} of {amount(total, unit)} ({_percent(done, total)}%)"
    else:
        text = f"{what}: {amount(done, unit)}"
    if unit == "bytes" and seconds >= 1 and done > 0:
        text += f", {amount(done / seconds, unit)}/s"
    if detail:
        text += f", {detail}"
    if end == "done":
        text += f", done in {seconds:.0f} s"
    elif end is not None:
        text += f", failed after {seconds:.0f} s: {end}"
    return text


def _percent(done: float, total: float) -> int:
    """Whole percent, never 100 before the end (a long import should not sit at "100%")."""
    share = int(100 * done / total) if total > 0 else 100
    return min(share, 99) if done < total else 100


class Throttle:
    """Says when a plain line is due: the first time, then once per `interval` seconds."""

    def __init__(self, interval: float, clock: Clock = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: float | None = None

    def due(self) -> bool:
        now = self.clock()
        if self._last is None or now - self._last >= self.interval:
            self._last = now
            return True
        return False


class Reporter(Protocol):
    """Shows tasks; `task()` is the only way work reports progress."""

    def start(self, what: str, total: float | None, unit: Unit) -> Task: ...


class Task:
    """One piece of long work. Use as a context manager; `update` as the work goes on."""

    def __init__(self, what: str, total: float | None, unit: Unit, clock: Clock) -> None:
        self.what = what
        self.total = total
        self.unit = unit
        self.done = 0.0
        self.detail = ""
        self.clock = clock
        self.started = clock()
        self.finished = False
        self.end: str | None = None

    def update(
        self,
        *,
        done: float | None = None,
        advance: float = 0,
        total: float | None = None,
        detail: str | None = None,
    ) -> None:
        """Record progress (absolute `done` or `advance`), then let the display show it."""
        if total is not None:
            self.total = total
        self.done = (self.done if done is None else done) + advance
        if detail is not None:
            self.detail = detail
        self._shown(final=False)

    def finish(self, failure: str | None = None) -> None:
        """The last line: done, or `failure` (what stopped it)."""
        if self.finished:
            return
        self.finished = True
        self.end = failure or "done"
        self._shown(final=True)

    def line(self) -> str:
        seconds = self.clock() - self.started
        return progress_line(
            self.what, self.done, self.total, self.unit, self.detail, seconds=seconds, end=self.end
        )

    def _shown(self, *, final: bool) -> None:
        """Subclasses display; the base task shows nothing (`KVM_PROGRESS=off`)."""

    def __enter__(self) -> Task:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.finish(None if error is None else type(error).__name__)


class QuietReporter:
    """Shows nothing."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock

    def start(self, what: str, total: float | None, unit: Unit) -> Task:
        return Task(what, total, unit, self.clock)


class PlainReporter:
    """Plain lines on a stream, throttled per task (one lock: providers run 4 threads)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        clock: Clock = time.monotonic,
    ) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock

    def start(self, what: str, total: float | None, unit: Unit) -> Task:
        task = _PlainTask(self, what, total, unit)
        task.update()
        return task

    def write(self, line: str) -> None:
        write_line(line, self.stream)


class _PlainTask(Task):
    def __init__(self, reporter: PlainReporter, what: str, total: float | None, unit: Unit) -> None:
        super().__init__(what, total, unit, reporter.clock)
        self.reporter = reporter
        self.throttle = Throttle(reporter.interval, reporter.clock)

    def _shown(self, *, final: bool) -> None:
        if final or self.throttle.due():
            self.reporter.write(self.line())


class LiveReporter:
    """A rich live display on a terminal; stays up while any task runs."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.lock = threading.Lock()
        self.running = 0
        self.progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[amount]}", markup=False),
            TimeRemainingColumn(),
            TextColumn("{task.fields[detail]}", markup=False),
            console=self.console,
        )

    def start(self, what: str, total: float | None, unit: Unit) -> Task:
        with self.lock:
            if self.running == 0:
                self.progress.start()
            self.running += 1
            task_id = self.progress.add_task(what, total=total, amount="", detail="")
        return _LiveTask(self, task_id, what, total, unit)

    def ended(self, task_id: TaskID, line: str) -> None:
        with self.lock:
            self.progress.remove_task(task_id)
            self.progress.console.print(line, markup=False, highlight=False)
            self.running -= 1
            if self.running == 0:
                self.progress.stop()


class _LiveTask(Task):
    def __init__(
        self, reporter: LiveReporter, task_id: TaskID, what: str, total: float | None, unit: Unit
    ) -> None:
        super().__init__(what, total, unit, time.monotonic)
        self.reporter = reporter
        self.task_id = task_id

    def _shown(self, *, final: bool) -> None:
        if final:
            self.reporter.ended(self.task_id, self.line())
            return
        shown = amount(self.done, self.unit)
        if self.total:
            shown += f"/{amount(self.total, self.unit)}"
        self.reporter.progress.update(
            self.task_id, completed=self.done, total=self.total, amount=shown, detail=self.detail
        )


def choose_reporter(
    environ: dict[str, str] | None = None, stderr: TextIO | None = None
) -> Reporter:
    """The reporter for this process: `KVM_PROGRESS`, else live on a terminal, else plain."""
    environ = dict(os.environ) if environ is None else environ
    stream = stderr or sys.stderr
    mode = environ.get(MODE_ENV, "auto").lower()
    if mode not in ("auto", "live", "plain", "off"):
        raise ValueError(f"{MODE_ENV}={mode!r}: use auto, live, plain or off")
    try:
        interval = float(environ.get(INTERVAL_ENV, DEFAULT_INTERVAL_SECONDS))
    except ValueError:
        raise ValueError(f"{INTERVAL_ENV}={environ[INTERVAL_ENV]!r} is not a number") from None
    if mode == "off":
        return QuietReporter()
    if mode == "live" or (mode == "auto" and stream.isatty()):
        return LiveReporter(Console(file=stream))
    return PlainReporter(None if stderr is None else stderr, interval)


@functools.cache
def reporter() -> Reporter:
    """The process-wide reporter (chosen once, at the first task)."""
    return choose_reporter()


def task(what: str, total: float | None, unit: Unit = "bytes") -> Task:
    """Start reporting `what` on the process-wide reporter."""
    return reporter().start(what, total, unit)
