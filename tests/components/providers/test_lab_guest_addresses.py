"""A running VM's IP addresses come back from the network's DHCP leases (lab host)."""

from __future__ import annotations

import re

from components.providers.domain import DomainProvider
from components.providers.network import NetworkProvider
from tests.components.providers.lab_support import cleaned, subnet_for
from tests.components.providers.wire import Engine, domain_inputs, network_inputs
from tests.lab.guest import DHCP_MARKER, TinyGuest, wait_for_marker
from tests.lab.hosts import LabHost


def test_leased_address_is_an_output_after_refresh(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str
):
    networks, domains = Engine(NetworkProvider()), Engine(DomainProvider())
    subnet = subnet_for(name_prefix)
    net_name, vm = f"{name_prefix}net", f"{name_prefix}vm"
    with cleaned(lab_host, name_prefix):
        network = networks.create(network_inputs(lab_host.uri, net_name, subnet))
        domain = domains.create(
            domain_inputs(
                lab_host.uri,
                vm,
                running=True,
                kernel=str(tiny_guest.kernel),
                initrd=str(tiny_guest.initrd),
                cmdline=tiny_guest.cmdline("vm", mode="loop", dhcp=True),
                interfaces=[{"network": net_name, "mac": "52:54:00:ab:cd:01"}],
                serial={"logFile": f"/var/log/libvirt/qemu/{vm}-serial.log", "logAppend": True},
            )
        )
        log = wait_for_marker(lab_host.serial_log_path(vm), DHCP_MARKER, timeout=120)
        leased = re.findall(rf"{DHCP_MARKER} (\S+)", log)[-1]
        assert leased.startswith(f"{subnet}.")
        _, outputs = domains.read(domain)
        assert outputs["ipAddresses"] == [leased]
        domains.delete(domain)
        networks.delete(network)
