"""pytest setup shared by all kvm-pulumi tests: loads the lab fixtures (see tests/lab), and
gives every test the preview-time host checks as it found them."""

import pickle
from collections.abc import Iterator

import pytest

from components.hosts import inspection as host_inspection
from components.hosts import kvm_host

pytest_plugins = ["tests.lab.fixtures"]


@pytest.fixture(autouse=True)
def host_checks_restored() -> Iterator[None]:
    """A test that switches the host probe or inspector (`set_host_probe(None)` turns both
    off) must not switch them for the tests after it: put back what it found."""
    probe, inspector = kvm_host.host_probe(), host_inspection.host_inspector()
    yield
    kvm_host.set_host_probe(probe)
    host_inspection.set_host_inspector(inspector)


_PRISTINE_BATCH_SETITEMS = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _restore_pickler_after_concurrent_programs() -> Iterator[None]:
    """The SDK's `serialize_provider` swaps `pickle._Pickler._batch_setitems` for a sorting
    wrapper and swaps it back; two programs building resources at once in this one process
    (tests that run two `up`s together; under the engine each is its own process) can
    leave a wrapper installed, and the chain grows test after test until dill recurses too
    deep. Each test starts from the original."""
    yield
    pickle._Pickler._batch_setitems = _PRISTINE_BATCH_SETITEMS  # type: ignore[attr-defined]
