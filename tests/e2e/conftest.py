"""Every domain an e2e test starts is checked against a stock host's confinement.

The lab hosts' qemu hook records each domain start with the AppArmor profile virt-aa-helper
writes for it (tests/lab/confinement.py); after each test, the records it made must grant
QEMU every file the domain names. A file left out would be "Permission denied" at start on a
default Debian/Ubuntu host, though the lab (no AppArmor in its kernel) would boot the VM.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lab.confinement import problems, read_record, record_names
from tests.lab.hosts import Lab


@pytest.fixture(autouse=True)
def confinement_checked(lab: Lab) -> Iterator[None]:
    before = {host.name: record_names(host) for host in lab.hosts}
    yield
    found = []
    for host in lab.hosts:
        for name in sorted(record_names(host) - before[host.name]):
            found += problems(read_record(host, name))
    if found:
        pytest.fail("\n".join(["a stock host's AppArmor would refuse QEMU:", *found]), False)
