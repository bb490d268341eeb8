"""Hand edits with virsh: refresh reports them, `up` brings them back, then all is quiet.

A DHCP range changed with `virsh net-edit` (the saved definition only: the running network
keeps the old one), a DNS record added to the running network only (`virsh net-update
--live`), a VM's memory changed in its saved definition only (`virsh setmem --config`), its
autostart switched on and the pool's switched off.
"""

from __future__ import annotations

from pathlib import Path

import libvirt
from lxml import etree

from tests.e2e.faults.estate import converged, estate_stack, real_drift
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def _net_edit_dhcp_range(net: libvirt.virNetwork, start: str, end: str) -> None:
    """What `virsh net-edit` does: define the edited XML (the running network keeps its own)."""
    root = etree.fromstring(net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE).encode())
    dhcp_range = root.find("ip/dhcp/range")
    assert dhcp_range is not None
    dhcp_range.set("start", start)
    dhcp_range.set("end", end)
    net.connect().networkDefineXML(etree.tostring(root, encoding="unicode"))


def _ranges(net: libvirt.virNetwork, flags: int) -> list[tuple[str, str]]:
    root = etree.fromstring(net.XMLDesc(flags).encode())
    return [(r.get("start", ""), r.get("end", "")) for r in root.findall("ip/dhcp/range")]


def test_virsh_edits_are_reported_and_repaired(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 244) as stack:
        stack.up()
        conn = libvirt.open(lab_host.uri)
        try:
            net = conn.networkLookupByName(f"{name_prefix}f-lan")
            _net_edit_dhcp_range(net, "10.244.1.200", "10.244.1.210")
            net.update(
                libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                libvirt.VIR_NETWORK_SECTION_DNS_HOST,
                -1,
                "<host ip='10.244.1.99'><hostname>stray</hostname></host>",
                libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE,
            )
            dom = conn.lookupByName(f"{name_prefix}f-app")
            dom.setMemoryFlags(80 * 1024, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
            dom.setAutostart(1)
            pool = conn.storagePoolLookupByName(f"{name_prefix}f-vmstore")
            pool.setAutostart(0)

            drift = stack.refresh()
            drifted = real_drift(drift)
            assert drifted == {
                "lan@lab": {"ips", "dnsHosts"},
                "app": {"memoryMib", "autostart"},
                "vmstore@lab": {"autostart"},
            }, drifted

            stack.up()
            want = [("10.244.1.100", "10.244.1.150")]
            assert _ranges(net, libvirt.VIR_NETWORK_XML_INACTIVE) == want
            assert _ranges(net, 0) == want
            assert "stray" not in net.XMLDesc(0)
            saved = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
            assert saved.findtext("currentMemory") == str(96 * 1024)
            assert not dom.autostart()
            assert pool.autostart()
        finally:
            conn.close()
        converged(stack, lab_host, lab_scratch, name_prefix)
