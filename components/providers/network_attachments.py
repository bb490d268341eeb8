"""Which domains use a network, and putting their NICs back after the network is recreated.

libvirt does not re-plug running guests when a network is destroyed and started again
(a replace): their tap devices stay out of the new bridge. Pointing a live interface at
the bridge and then back at the network (two live device updates) re-plugs the tap and
registers a fresh port with the network, without touching the guest.
"""

from __future__ import annotations

from dataclasses import dataclass

import libvirt
from lxml import etree

from components.providers.base import each_found


@dataclass(frozen=True)
class Attachment:
    """One interface of one domain on a network."""

    domain: str
    mac: str
    active: bool
    port_id: str | None


def attachments(conn: libvirt.virConnect, network: str) -> list[Attachment]:
    """Interfaces on `network`: live ones of running domains, defined ones of the others."""
    found = []

    def state(dom: libvirt.virDomain) -> tuple[bool, str]:
        active = bool(dom.isActive())
        return active, dom.XMLDesc(0 if active else libvirt.VIR_DOMAIN_XML_INACTIVE)

    for dom, (active, xml) in each_found(conn.listAllDomains(0), state, libvirt.VIR_ERR_NO_DOMAIN):
        root = etree.fromstring(xml)
        for iface in root.findall("devices/interface[@type='network']"):
            source = iface.find("source")
            if source is None or source.get("network") != network:
                continue
            mac = iface.find("mac")
            found.append(
                Attachment(
                    dom.name(),
                    mac.get("address", "") if mac is not None else "",
                    active,
                    source.get("portid"),
                )
            )
    return found


def reattach_running(conn: libvirt.virConnect, net: libvirt.virNetwork) -> list[str]:
    """Re-plug every running domain's NIC on `net` whose port the network does not know.

    Returns the names of the domains that were re-attached.
    """
    bridge = etree.fromstring(net.XMLDesc(0)).find("bridge")
    if bridge is None or not bridge.get("name"):
        return []
    try:
        known = {port.UUIDString() for port in net.listAllPorts(0)}
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:  # e.g. the test driver
            return []
        raise
    done = []
    running = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
    for dom, xml in each_found(running, lambda d: d.XMLDesc(0), libvirt.VIR_ERR_NO_DOMAIN):
        root = etree.fromstring(xml)
        for iface in root.findall("devices/interface[@type='network']"):
            source = iface.find("source")
            if source is None or source.get("network") != net.name():
                continue
            if source.get("portid") in known:
                continue
            _replug(dom, iface, str(bridge.get("name")))
            done.append(dom.name())
    return sorted(set(done))


def _replug(dom: libvirt.virDomain, iface: etree._Element, bridge: str) -> None:
    live = libvirt.VIR_DOMAIN_AFFECT_LIVE
    via_bridge = etree.fromstring(etree.tostring(iface))
    via_bridge.set("type", "bridge")
    source = via_bridge.find("source")
    assert source is not None
    source.attrib.clear()
    source.set("bridge", bridge)
    dom.updateDeviceFlags(etree.tostring(via_bridge, encoding="unicode"), live)
    back = etree.fromstring(etree.tostring(iface))
    back_source = back.find("source")
    assert back_source is not None
    for attr in ("portid", "bridge"):
        if attr in back_source.attrib:
            del back_source.attrib[attr]
    dom.updateDeviceFlags(etree.tostring(back, encoding="unicode"), live)
