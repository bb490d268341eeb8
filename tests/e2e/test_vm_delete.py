"""Deleting a running VM whose data disk is kept: an ACPI shutdown first, forced off only
after `shutdownTimeoutSeconds`; the kept disk stays."""

from __future__ import annotations

import time
from pathlib import Path

import libvirt

from tests.e2e.faults.estate import estate_stack, inventory
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def test_running_vm_is_shut_down_gracefully_before_it_is_deleted(
    lab_host: LabHost,
    lab_scratch: Path,
    tiny_guest: TinyGuest,
    name_prefix: str,
) -> None:
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
        # The tiny guest ignores ACPI: a graceful shutdown waits the whole timeout before
        # forcing it off (a plain destroy would take a fraction of a second).
        assert took >= 3, f"deleted in {took:.1f} s: no graceful shutdown was tried"
        left = inventory(lab_host.uri, name_prefix)
        assert not left["domain"]
        assert data in left["volume"], "the kept data disk stays"
        conn = libvirt.open(lab_host.uri)
        try:
            conn.storageVolLookupByPath(data).delete(0)  # kept on purpose: the test removes it
        finally:
            conn.close()
