"""Deleting a running VM whose data disk is kept: an ACPI shutdown first, forced off only
after `shutdownTimeoutSeconds`; the kept disk stays."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import libvirt
import pytest

from tests.e2e.faults.estate import estate_stack, inventory
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def test_running_vm_is_shut_down_gracefully_before_it_is_deleted(
    lab_host: LabHost,
    lab_scratch: Path,
    tiny_guest: TinyGuest,
    name_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    for method in ("shutdown", "destroy"):
        original = getattr(libvirt.virDomain, method)

        def spy(self: libvirt.virDomain, *args: Any, _m: str = method, _o: Any = original) -> Any:
            calls.append(_m)
            return _o(self, *args)

        monkeypatch.setattr(libvirt.virDomain, method, spy)
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 250) as stack:
        vm = stack.config["vms"][0]
        vm["dataDisks"][0]["retainOnDelete"] = True
        vm["shutdownTimeoutSeconds"] = 3
        stack.up()
        data = f"{lab_scratch}/pool/{name_prefix}f-app-data.qcow2"
        stack.config["vms"] = []
        begun = time.monotonic()
        stack.up()
        took = time.monotonic() - begun
        assert calls[:2] == ["shutdown", "destroy"], calls
        assert took >= 3, "the guest ignores ACPI: forced off only after the timeout"
        left = inventory(lab_host.uri, name_prefix)
        assert not left["domain"]
        assert data in left["volume"], "the kept data disk stays"
        conn = libvirt.open(lab_host.uri)
        try:
            conn.storageVolLookupByPath(data).delete(0)  # kept on purpose: the test removes it
        finally:
            conn.close()
