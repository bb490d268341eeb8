"""Providers run in a real `python -m pulumi.dynamic` process, one per operation, as under the
engine; what they print reaches the user as unattached info lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.harness import Harness, LogMessage, ProviderStepError
from tests.harness.conftest import things
from tests.harness.toy_provider import read_call_log


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_each_operation_gets_a_fresh_plugin_process_stopped_at_its_end(
    harness: Harness, store: Path
) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1}, b={"name": "beta", "value": 2})

    harness.preview()
    harness.up()
    harness.refresh()
    harness.destroy()

    calls = read_call_log(store)
    pids = list(dict.fromkeys(c["pid"] for c in calls))
    assert len(pids) == 4, "preview, up, refresh and destroy: one process each"
    assert os.getpid() not in pids, "no provider code runs in the test process"
    assert [c["method"] for c in calls if c["method"] == "configure"] == ["configure"] * 4
    assert not any(_alive(pid) for pid in pids)


def test_provider_stderr_is_shown_as_unattached_info(harness: Harness, store: Path) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1, "say": "disk almost full"})

    result = harness.up()

    provider_lines = {m for m in result.log if "disk almost full" in m.message}
    assert provider_lines == {
        LogMessage("info", "info: disk almost full", ""),
        LogMessage("info", "warning: disk almost full", ""),
        LogMessage("info", "printed: disk almost full", ""),
    }, "plain info lines on the stack row (stderr and stdout), not warnings of the resource"


def test_a_raising_provider_reports_its_traceback_on_the_resource(
    harness: Harness, store: Path
) -> None:
    harness.program = things(store, a={"name": "alpha", "value": 1, "fail_on": "create"})

    with pytest.raises(ProviderStepError) as raised:
        harness.up()

    assert raised.value.urn.endswith("::a")
    assert raised.value.step == "create"
    assert "Traceback" in raised.value.details
    assert "ToyProviderError: create of 'alpha' failed as the test asked" in raised.value.details
