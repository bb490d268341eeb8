"""Progress lines and their throttling (pure, with a fake clock), and the choice of display."""

from __future__ import annotations

import io

import pytest

from components.providers.progress import (
    LiveReporter,
    PlainReporter,
    QuietReporter,
    Throttle,
    amount,
    choose_reporter,
    progress_line,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_amounts_read_in_binary_units_with_one_decimal():
    assert amount(512, "bytes") == "512 B"
    assert amount(1536, "bytes") == "1.5 KiB"
    assert amount(2 * 1024**3, "bytes") == "2.0 GiB"
    assert amount(3, "VMs") == "3 VMs"


def test_a_line_says_what_how_much_of_how_much_and_the_rate():
    line = progress_line("importing a.qcow2", 768 * 1024**2, 1024**3, "bytes", seconds=4)
    assert line == "importing a.qcow2: 768.0 MiB of 1.0 GiB (75%), 192.0 MiB/s"
    assert progress_line("copy", 5, None, "bytes") == "copy: 5 B"
    assert progress_line("snapshots on hv1", 3, 12, "VMs") == "snapshots on hv1: 3 of 12 VMs (25%)"


def test_percent_is_100_only_at_the_end_and_the_last_line_says_how_it_ended():
    assert "(99%)" in progress_line("x", 999_999, 1_000_000, "bytes")
    done = progress_line("x", 10, 10, "VMs", seconds=12.4, end="done")
    assert done == "x: 10 of 10 VMs (100%), done in 12 s"
    failed = progress_line("x", 4, 10, "VMs", "2 failed", seconds=3, end="ProviderError")
    assert failed == "x: 4 of 10 VMs (40%), 2 failed, failed after 3 s: ProviderError"


def test_throttle_allows_the_first_line_then_one_per_interval():
    clock = FakeClock()
    throttle = Throttle(10, clock)
    assert throttle.due()
    clock.now += 9.9
    assert not throttle.due()
    clock.now += 0.1
    assert throttle.due()
    assert not throttle.due()


def test_plain_reporter_writes_first_throttled_and_last_lines():
    clock, out = FakeClock(), io.StringIO()
    reporter = PlainReporter(out, interval=10, clock=clock)
    with reporter.start("importing img", 100 * 1024**2, "bytes") as task:
        for _ in range(100):  # 1 MiB per 0.5 s: 50 s in all
            clock.now += 0.5
            task.update(advance=1024**2)
    lines = out.getvalue().splitlines()
    assert lines[0] == "importing img: 0 B of 100.0 MiB (0%)"
    assert len(lines) == 1 + 5 + 1  # first, one per 10 s, last
    assert lines[1].startswith("importing img: 20.0 MiB of 100.0 MiB (20%)")
    assert lines[-1] == "importing img: 100.0 MiB of 100.0 MiB (100%), 2.0 MiB/s, done in 50 s"


def test_a_failing_task_says_so_in_its_last_line():
    clock, out = FakeClock(), io.StringIO()
    reporter = PlainReporter(out, interval=10, clock=clock)
    with pytest.raises(OSError), reporter.start("copying v", 10, "bytes") as task:
        clock.now += 2
        task.update(done=4)
        raise OSError("disk full")
    assert (
        out.getvalue().splitlines()[-1]
        == "copying v: 4 B of 10 B (40%), 2 B/s, failed after 2 s: OSError"
    )


def test_no_terminal_means_plain_lines_never_a_live_display():
    """Cron, CI and the Pulumi CLI (which shows a provider's stderr as info lines)."""
    pipe = io.StringIO()
    chosen = choose_reporter({}, pipe)
    assert isinstance(chosen, PlainReporter)
    with chosen.start("importing img", 10, "bytes") as task:
        task.update(done=10)
    assert "\x1b" not in pipe.getvalue()  # no cursor movement or colour codes
    assert isinstance(choose_reporter({}, FakeTerminal()), LiveReporter)
    assert isinstance(choose_reporter({"KVM_PROGRESS": "plain"}, FakeTerminal()), PlainReporter)
    assert isinstance(choose_reporter({"KVM_PROGRESS": "off"}, pipe), QuietReporter)
    interval = choose_reporter({"KVM_PROGRESS_INTERVAL": "2.5"}, pipe)
    assert isinstance(interval, PlainReporter) and interval.interval == 2.5


def test_bad_settings_name_the_variable_and_value():
    with pytest.raises(ValueError, match=r"KVM_PROGRESS='fancy'"):
        choose_reporter({"KVM_PROGRESS": "fancy"}, io.StringIO())
    with pytest.raises(ValueError, match=r"KVM_PROGRESS_INTERVAL='soon' is not a number"):
        choose_reporter({"KVM_PROGRESS_INTERVAL": "soon"}, io.StringIO())


def test_live_display_on_a_terminal_ends_with_the_plain_last_line():
    terminal = FakeTerminal()
    reporter = choose_reporter({}, terminal)
    with reporter.start("importing img", 4, "bytes") as task:
        task.update(done=4)
    assert "importing img: 4 B of 4 B (100%)" in terminal.getvalue()
    assert "done in" in terminal.getvalue()
