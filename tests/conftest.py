"""pytest setup shared by all kvm-pulumi tests: loads the lab fixtures (see tests/lab), and
gives every test the preview-time host checks as it found them."""

from collections.abc import Iterator

import pytest

from components import host_inspection, kvm_host

pytest_plugins = ["tests.lab.fixtures"]


@pytest.fixture(autouse=True)
def host_checks_restored() -> Iterator[None]:
    """A test that switches the host probe or inspector (`set_host_probe(None)` turns both
    off) must not switch them for the tests after it: put back what it found."""
    probe, inspector = kvm_host.host_probe(), host_inspection.host_inspector()
    yield
    kvm_host.set_host_probe(probe)
    host_inspection.set_host_inspector(inspector)
