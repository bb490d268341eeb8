"""The stack lock of the local backend: one up/refresh/destroy of a stack at a time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.harness import Harness, StackLockedError
from tests.harness.conftest import things
from tests.harness.stack_lock import lock_directory
from tests.harness.toy_provider import read_call_log


def _wait_for_call(store: Path, method: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(c["method"] == method for c in read_call_log(store)):
        assert time.monotonic() < deadline, f"no {method} call within {timeout} s"
        time.sleep(0.05)


def test_a_second_operation_during_an_up_fails_with_a_lock_error(
    harness: Harness, store: Path, state_path: Path
) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1, "delay": 3.0})
    second = Harness(harness.program, harness.project, harness.stack, state_path)
    errors: list[BaseException] = []

    def first_up() -> None:
        try:
            harness.up()
        except BaseException as err:
            errors.append(err)

    running = threading.Thread(target=first_up)
    running.start()
    try:
        _wait_for_call(store, "create")
        for operation in (second.up, second.refresh, second.destroy):
            with pytest.raises(StackLockedError, match="the stack is currently locked by 1 lock"):
                operation()
        plan = second.preview()
    finally:
        running.join()

    assert errors == []
    assert plan.step("a") == "create", "preview takes no lock"
    assert list(lock_directory(state_path, harness.project, harness.stack).iterdir()) == []
    assert harness.up().changed() == {}, "the lock is released after the up"


def test_a_lock_left_behind_blocks_until_removed(
    harness: Harness, store: Path, state_path: Path
) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1})
    stale = lock_directory(state_path, harness.project, harness.stack) / "crashed.json"
    stale.parent.mkdir(parents=True)
    stale.write_text('{"pid": 4242, "username": "ops", "hostname": "box"}')

    with pytest.raises(StackLockedError, match=r"created by ops@box \(pid 4242\)"):
        harness.up()
    assert read_call_log(store) == [], "nothing ran"

    stale.unlink()
    assert harness.up().step("a") == "create"
