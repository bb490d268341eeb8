"""A running VM's IP addresses: from the QEMU guest agent when the VM has one, else from
the DHCP leases of the libvirt networks it is on."""

from __future__ import annotations

import ipaddress

import libvirt
from lxml import etree

AGENT_CHANNEL = "devices/channel/target[@name='org.qemu.guest_agent.0']"


def _has_agent_channel(dom: libvirt.virDomain) -> bool:
    return etree.fromstring(dom.XMLDesc(0).encode()).find(AGENT_CHANNEL) is not None


def guest_addresses(dom: libvirt.virDomain) -> list[str]:
    """Sorted addresses (no loopback, no link-local); empty while unknown or stopped."""
    if not dom.isActive():
        return []
    sources = [libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE]
    if _has_agent_channel(dom):
        sources.insert(0, libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
    for source in sources:
        try:
            interfaces = dom.interfaceAddresses(source, 0)
        except libvirt.libvirtError:
            continue  # no agent answering, or no lease source for this NIC type
        found = set()
        for interface in (interfaces or {}).values():
            for entry in interface.get("addrs") or []:
                address = ipaddress.ip_address(str(entry.get("addr")))
                if not (address.is_loopback or address.is_link_local):
                    found.add(str(address))
        if found:
            return sorted(found)
    return []
