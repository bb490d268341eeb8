"""The shared retry of libvirt's transient refusals: retried while busy, bounded, and every
other error raised at once."""

from __future__ import annotations

import libvirt
import pytest

from components.providers import retry
from components.providers.retry import is_transient, retried


class FakeError(libvirt.libvirtError):
    def __init__(self, message: str, code: int = libvirt.VIR_ERR_INTERNAL_ERROR) -> None:
        super().__init__(message)
        self.code = code

    def get_error_code(self) -> int:
        return self.code


@pytest.mark.parametrize(
    "error",
    [
        FakeError("internal error: pool 'p' has asynchronous jobs running."),
        FakeError("volume 'v' is still being allocated."),
        FakeError("Timed out during operation: cannot acquire state change lock (held by x)"),
        FakeError("anything", libvirt.VIR_ERR_OPERATION_TIMEOUT),
    ],
)
def test_busy_refusals_are_transient(error: FakeError) -> None:
    assert is_transient(error)


def test_other_errors_are_not() -> None:
    assert not is_transient(FakeError("no storage vol", libvirt.VIR_ERR_NO_STORAGE_VOL))


def test_retried_until_libvirt_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry.time, "sleep", lambda _s: None)
    calls: list[int] = []

    def busy_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise FakeError("pool 'p' has asynchronous jobs running.")
        return "done"

    assert retried(busy_twice) == "done"
    assert len(calls) == 3


def test_a_real_error_is_raised_at_once() -> None:
    calls: list[int] = []

    def wrong() -> None:
        calls.append(1)
        raise FakeError("no domain", libvirt.VIR_ERR_NO_DOMAIN)

    with pytest.raises(libvirt.libvirtError, match="no domain"):
        retried(wrong)
    assert len(calls) == 1


def test_retries_are_bounded() -> None:
    calls: list[int] = []

    def always_busy() -> None:
        calls.append(1)
        raise FakeError("pool 'p' has asynchronous jobs running.")

    with pytest.raises(libvirt.libvirtError, match="asynchronous jobs"):
        retried(always_busy, timeout=0.3)
    assert 2 <= len(calls) < 20
