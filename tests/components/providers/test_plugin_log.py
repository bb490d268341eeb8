"""Provider log lines stay whole when the plugin's worker threads log at once."""

from __future__ import annotations

import io
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from components.providers import plugin_log


class SlowStream(io.StringIO):
    """A stderr that lets other threads run between writes, as a pipe to the engine may."""

    def write(self, text: str) -> int:
        time.sleep(0.0005)
        return super().write(text)


def _log_from_threads(log: object) -> list[str]:
    def burst(worker: int) -> None:
        for n in range(40):
            log(f"domain 'vm-{worker}' step {n}")  # type: ignore[operator]

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(burst, range(4)))
    return sys.stderr.getvalue().splitlines()  # type: ignore[attr-defined]


def test_four_threads_logging_at_once_give_one_whole_line_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plugin_log, "get_engine", lambda: None)  # as in the plugin process
    monkeypatch.setattr(sys, "stderr", SlowStream())
    lines = _log_from_threads(plugin_log.info)
    assert len(lines) == 160
    assert all(re.fullmatch(r"info: domain 'vm-\d' step \d+", line) for line in lines), lines


def test_print_as_pulumi_log_uses_it_would_split_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The failure the module exists for: text and newline as two writes interleave."""
    monkeypatch.setattr(sys, "stderr", SlowStream())
    lines = _log_from_threads(lambda message: print("info: " + message, file=sys.stderr))
    assert [line for line in lines if line.count("info: ") != 1], "no line was split"
