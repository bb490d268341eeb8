"""A VM this stack does not manage, on the stack's network, stopped and then running:
destroy keeps the network (the refusal names the VM), and completes once the VM is gone."""

from __future__ import annotations

from pathlib import Path

import libvirt
import pytest

from tests.e2e.faults.estate import estate_stack, inventory
from tests.harness import HarnessError
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def _foreign_domain_xml(name: str, network: str, guest: TinyGuest) -> str:
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type><kernel>{guest.kernel}</kernel>
    <initrd>{guest.initrd}</initrd><cmdline>{guest.cmdline(name, mode="loop")}</cmdline></os>
  <devices><interface type='network'><source network='{network}'/></interface></devices>
</domain>"""


@pytest.mark.parametrize("running", [False, True], ids=["stopped", "running"])
def test_destroy_keeps_a_network_a_foreign_vm_uses(
    lab_host: LabHost,
    lab_scratch: Path,
    tiny_guest: TinyGuest,
    name_prefix: str,
    running: bool,
) -> None:
    foreign = f"{name_prefix}other"
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 245) as stack:
        stack.up()
        network = f"{name_prefix}f-lan"
        conn = libvirt.open(lab_host.uri)
        try:
            dom = conn.defineXML(_foreign_domain_xml(foreign, network, tiny_guest))
            if running:
                dom.create()
            with pytest.raises(HarnessError, match=foreign):
                stack.destroy()
            assert network in inventory(lab_host.uri, name_prefix)["network"]
            assert conn.lookupByName(foreign).isActive() == running, "the foreign VM is untouched"
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        finally:
            conn.close()
        stack.destroy()
        assert inventory(lab_host.uri, name_prefix) == {
            "domain": set(),
            "network": set(),
            "pool": set(),
            "volume": set(),
        }
