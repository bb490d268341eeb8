"""Polling with a deadline, so every wait in the tests ends with a message instead of a hang."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    probe: Callable[[], T | None],
    timeout: float,
    what: str,
    *,
    interval: float = 0.2,
    details: Callable[[], str] | None = None,
) -> T:
    """Call `probe` until it returns something truthy and return that.

    Raises `TimeoutError` naming `what` after `timeout` seconds; `details` (e.g. the tail of a
    serial log) is appended to the message, because "timed out" alone never explains a failure.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            extra = f"\n{details()}" if details is not None else ""
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}{extra}")
        time.sleep(interval)
