"""pytest fixtures of the lab; `tests/conftest.py` registers this module as a plugin.

Fixtures:
    lab             session  the running `Lab` (started on first use; 2 hosts, `KVM_LAB_HOSTS`)
    lab_hosts       session  all its hosts, `list[LabHost]`
    lab_host        session  the first host
    lab_host_pair   session  the first two hosts (tests that migrate)
    tiny_guest      session  the cached `TinyGuest`
    session_prefix  session  prefix of every name this session gives libvirt objects
    name_prefix     function a unique prefix for one test's libvirt names, like 'kt1a2003-'
    lab_scratch     function a new empty dir visible at the same path to test and hosts
    bare_lab_host   session  a host of a lab of its own with no UEFI firmware and no swtpm

Environment:
    KVM_TEST_URI    use this existing libvirt host instead of starting a lab
    KVM_LAB_HOSTS   number of lab hosts (default 2)
    KVM_LAB_DIR     parent dir of the lab dir (default: the system temp dir)
    KVM_LAB_KEEP=1  keep the lab dir (configs, logs, images) after the session
    KVM_TEST_CACHE  cache dir of the tiny guest (default /var/cache/kvm-pulumi-tests)

At the end of the session the `lab` fixture fails if any host still holds a libvirt object
named with `session_prefix` or a file a VM or pool should have taken with it (NVRAM, console
log, pool directory, TPM state; see `leaks.py`), or if the machine's own firewall rules or
forwarding settings changed (the lab leaked out of its network namespace).
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from tests.lab.guest import TinyGuest
from tests.lab.guest_build import build_tiny_guest
from tests.lab.hosts import Lab
from tests.lab.lab_host import LabHost
from tests.lab.leaks import leftovers
from tests.lab.prerequisites import LabSetupError
from tests.lab.root_network import RootNetworkState

LAB_FIXTURES = frozenset(
    {"lab", "lab_hosts", "lab_host", "lab_host_pair", "lab_scratch", "bare_lab_host"}
)
LAB_MARKER = "lab: needs the lab of simulated libvirt hosts (real libvirtd + qemu, TCG)"

# "kt" + 3 hex digits; a test adds 3 more and "-". Short, because libvirt names end up in
# bridge names (15 characters at most).
_SESSION_PREFIX = f"kt{secrets.token_hex(2)[:3]}"
_test_numbers = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    if not any(line.startswith("lab:") for line in config.getini("markers")):
        config.addinivalue_line("markers", LAB_MARKER)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the lab, so `-m 'not lab'` selects the fast tests."""
    for item in items:
        if LAB_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.lab)


@pytest.fixture(scope="session")
def session_prefix() -> str:
    """Start of every name this session gives libvirt objects, like 'kt1a2'."""
    return _SESSION_PREFIX


@pytest.fixture
def name_prefix(session_prefix: str) -> str:
    """Prefix for the names of everything one test creates in libvirt (leak check uses it)."""
    return f"{session_prefix}{next(_test_numbers):03x}-"


@pytest.fixture(scope="session")
def lab(session_prefix: str) -> Iterator[Lab]:
    """The running lab; at session end: leak check, stop, firewall check (see module doc)."""
    uri = os.environ.get("KVM_TEST_URI")
    if uri:
        yield from _external_lab(uri, session_prefix)
    else:
        yield from _private_lab(session_prefix)


@pytest.fixture(scope="session")
def bare_lab_host(session_prefix: str) -> Iterator[LabHost]:
    """A host lacking UEFI firmware and swtpm (a lab of its own, started on first use)."""
    if os.environ.get("KVM_TEST_URI"):
        pytest.skip("needs a lab host without firmware and swtpm; KVM_TEST_URI is a real host")
    for lab in _private_lab(session_prefix, 1, bare=True):
        yield lab.hosts[0]


@pytest.fixture(scope="session")
def lab_hosts(lab: Lab) -> list[LabHost]:
    """All hosts of the lab (one with KVM_TEST_URI)."""
    return list(lab.hosts)


@pytest.fixture(scope="session")
def lab_host(lab: Lab) -> LabHost:
    """The first lab host, for tests that need just one."""
    return lab.hosts[0]


@pytest.fixture(scope="session")
def lab_host_pair(lab: Lab) -> tuple[LabHost, LabHost]:
    """Two hosts, for migration. With `KVM_TEST_URI` there is only one: those tests skip."""
    if len(lab.hosts) < 2:
        if os.environ.get("KVM_TEST_URI"):
            pytest.skip("needs two hosts; KVM_TEST_URI provides one")
        pytest.fail(f"needs two lab hosts; KVM_LAB_HOSTS={len(lab.hosts)}", pytrace=False)
    return lab.hosts[0], lab.hosts[1]


@pytest.fixture
def lab_scratch(lab: Lab, name_prefix: str) -> Path:
    """A fresh directory (e.g. a pool's target) at a path every host sees the same way."""
    return lab.scratch_dir(name_prefix.rstrip("-"))


@pytest.fixture(scope="session")
def tiny_guest() -> TinyGuest:
    """The tiny guest's kernel and initramfs, built into the machine's cache on first use."""
    try:
        return build_tiny_guest()
    except LabSetupError as error:
        pytest.fail(str(error), pytrace=False)


def _private_lab(prefix: str, hosts: int | None = None, *, bare: bool = False) -> Iterator[Lab]:
    before = RootNetworkState.capture()
    try:
        lab = Lab.start(
            _host_count() if hosts is None else hosts,
            bare=bare,
            base_dir=Path(os.environ["KVM_LAB_DIR"]) if os.environ.get("KVM_LAB_DIR") else None,
            keep_directory=os.environ.get("KVM_LAB_KEEP") == "1",
        )
    except LabSetupError as error:
        pytest.fail(str(error), pytrace=False)
    problems: list[str] = []
    try:
        yield lab
    finally:
        problems += _leak_problems(lab, prefix)
        lab.stop()
        problems += [
            f"the machine's network state changed while the lab ran: {change}"
            for change in before.differences(RootNetworkState.capture())
        ]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _external_lab(uri: str, prefix: str) -> Iterator[Lab]:
    lab = Lab.external(uri)
    try:
        yield lab
    finally:
        problems = _leak_problems(lab, prefix)
        lab.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _leak_problems(lab: Lab, prefix: str) -> list[str]:
    found: list[str] = []
    for host in lab.hosts:
        try:
            found += leftovers(host, prefix)
        except libvirt.libvirtError as error:
            found.append(f"{host.name}: leak check could not connect to {host.uri}: {error}")
    if not found:
        return []
    return [f"libvirt objects or files named {prefix}* left behind by tests:", *found]


def _host_count() -> int:
    raw = os.environ.get("KVM_LAB_HOSTS", "2")
    try:
        return int(raw)
    except ValueError:
        pytest.fail(f"KVM_LAB_HOSTS must be a number of hosts, got {raw!r}", pytrace=False)
