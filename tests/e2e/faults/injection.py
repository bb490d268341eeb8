"""Strike a fault (libvirtd killed) at an exact point of a provider call, wherever the
providers run.

The engine-free harness may call the providers in the test process or in a real plugin
process (`python -m pulumi.dynamic`, started with this process's environment). `arm` covers
both: it wraps the target here, and leaves a plan in the environment that
`plugin_hook/sitecustomize.py` (put on `PYTHONPATH`) applies in any Python process started
meanwhile. A marker file makes the fault strike once across all processes: the rerun after
it runs unharmed.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.lab.host_config import HOLD_FILE
from tests.lab.lab_host import LabHost

PLAN_ENV = "KVM_FAULT_PLAN"
HOOK_DIR = Path(__file__).parent / "plugin_hook"

When = Literal["before", "after", "during"]


@dataclass(frozen=True)
class FaultPlan:
    """Kill the libvirtd `pid` (after creating `hold`, so the lab host waits for a restart)
    around the first call of `target` (`module:attr` or `module:Class.attr`).

    `outside`, a lock (`module:attr`) the providers hold around another step, makes the kill
    wait until no call is inside that step: a scenario about an upload is not turned, by
    chance, into one about the network start that runs beside it."""

    target: str
    when: When
    delay: float
    pid: int
    hold: str
    marker: str
    outside: str | None = None


def strike(plan: FaultPlan) -> None:
    """The fault itself: SIGKILL the daemon, as a crash would (once, across processes)."""
    try:
        fd = os.open(plan.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    Path(plan.hold).touch()
    with _resolve(plan.outside) if plan.outside else contextlib.nullcontext():
        os.kill(plan.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{plan.pid}").exists() and time.monotonic() < deadline:
        stat = Path(f"/proc/{plan.pid}/stat").read_text().rsplit(")", 1)[-1].split()
        if stat and stat[0] == "Z":
            break
        time.sleep(0.02)


def wrapped(original: Callable[..., Any], plan: FaultPlan) -> Callable[..., Any]:
    """`original` with the fault struck before, after or `delay` seconds into its call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        if Path(plan.marker).exists():
            return original(*args, **kwargs)
        if plan.when == "before":
            strike(plan)
        elif plan.when == "during":
            threading.Timer(plan.delay, strike, (plan,)).start()
        result = original(*args, **kwargs)
        if plan.when == "after":
            strike(plan)
        return result

    return call


def _resolve(target: str) -> Any:
    """The object `module:attr` or `module:Class.attr` names."""
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    for attr in path.split("."):
        owner = getattr(owner, attr)
    return owner


def install(plan: FaultPlan, setattr_: Callable[[Any, str, Any], None] = setattr) -> None:
    """Wrap the plan's target in this process."""
    module_name, _, path = plan.target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, attr = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    setattr_(owner, attr, wrapped(getattr(owner, attr), plan))


def arm(
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    host: LabHost,
    marker_dir: Path,
    *,
    when: When = "after",
    delay: float = 0.0,
    outside: str | None = None,
) -> Path:
    """Arm the fault; returns the marker file, which exists once the fault struck."""
    assert host.directory is not None
    plan = FaultPlan(
        target=target,
        when=when,
        delay=delay,
        pid=host.libvirtd_pid(),
        hold=str(host.directory / HOLD_FILE),
        marker=str(marker_dir / f"fault-{time.monotonic_ns()}"),
        outside=outside,
    )
    install(plan, monkeypatch.setattr)
    monkeypatch.setenv(PLAN_ENV, json.dumps(asdict(plan)))
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", f"{HOOK_DIR}{os.pathsep}{path}" if path else str(HOOK_DIR))
    return Path(plan.marker)
