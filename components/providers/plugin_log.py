"""Log lines from the providers that stay whole when several calls log at once.

In the plugin process (`python -m pulumi.dynamic`) no engine connection is set up, so
`pulumi.log` falls back to `print(...)` on stderr, which the engine turns line by line into
info messages. `print` writes the text and its newline separately: two of the plugin's four
worker threads logging at once gave one line holding both messages and an empty one, and
an operator lost one of the two (in the refresh of a host marked down, 4 of 11 notices).
Here each line is one write, under one lock; with an engine, `pulumi.log` is used as is.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TextIO

import pulumi
from pulumi.runtime.settings import get_engine

STDERR_LOCK = threading.Lock()
"""Held while one whole line goes to stderr (progress lines take it too)."""


def write_line(line: str, stream: TextIO | None = None) -> None:
    """`line` and its newline in one write, flushed, never split by another thread's."""
    with STDERR_LOCK:
        out = stream or sys.stderr
        out.write(line + "\n")
        out.flush()


def info(message: str) -> None:
    """An info message: the engine's, or an `info:` line on stderr."""
    _say("info", message, pulumi.log.info)


def warn(message: str) -> None:
    """A warning: the engine's, or a `warning:` line on stderr."""
    _say("warning", message, pulumi.log.warn)


def _say(level: str, message: str, send: Callable[[str], None]) -> None:
    if get_engine() is not None:
        send(message)
    else:
        write_line(f"{level}: {message}")
