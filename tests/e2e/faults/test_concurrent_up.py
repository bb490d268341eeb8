"""Two `up`s of one stack at once: the second fails naming the lock, the first converges.

An operator (or two CI jobs) starts `pulumi up` while another is applying the same stack.
The second must stop before it changes anything, with an error that names the lock and who
holds it; the first carries on, and the host ends with exactly what the state lists.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.e2e.faults.estate import converged, estate_stack, inventory
from tests.harness import Harness, StackLockedError
from tests.harness.stack_lock import lock_directory
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def _wait_until_applying(stack: Harness, uri: str, prefix: str, timeout: float = 60.0) -> None:
    """Until the first `up` holds the lock and has made its first object on the host."""
    locks = lock_directory(stack.state_path, stack.project, stack.stack)
    deadline = time.monotonic() + timeout
    while not (any(locks.glob("*.json")) and any(inventory(uri, prefix).values())):
        assert time.monotonic() < deadline, f"the first up made nothing within {timeout} s"
        time.sleep(0.1)


def test_a_second_up_during_an_up_fails_naming_the_lock(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 251) as stack:
        second = Harness(
            stack.program, stack.project, stack.stack, stack.state_path, config=stack.config
        )
        errors: list[BaseException] = []

        def first_up() -> None:
            try:
                stack.up()
            except BaseException as err:
                errors.append(err)

        first = threading.Thread(target=first_up)
        first.start()
        try:
            _wait_until_applying(stack, lab_host.uri, name_prefix)
            assert first.is_alive(), "the first up ended before the second started"
            with pytest.raises(StackLockedError) as refused:
                second.up()
        finally:
            first.join()
        message = str(refused.value)
        assert "the stack is currently locked by 1 lock(s)" in message, message
        locks = lock_directory(stack.state_path, stack.project, stack.stack)
        assert str(locks) in message and "(pid " in message, message
        assert errors == [], f"the first up failed: {errors}"
        assert list(locks.iterdir()) == [], "the lock is released after the up"
        converged(stack, lab_host, lab_scratch, name_prefix)
