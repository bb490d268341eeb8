"""Hand edits with virsh: refresh reports them, `up` brings them back, then all is quiet.

A DHCP range changed with `virsh net-edit` (the saved definition only: the running network
keeps the old one), a DNS record added to the running network only (`virsh net-update
--live`), a VM's memory changed in its saved definition only (`virsh setmem --config`), its
autostart switched on and the pool's switched off. A storage pool stopped by hand (`virsh
pool-destroy`), then undefined (`pool-undefine`): refresh reports it and keeps its volumes,
`up` starts or defines it again with its volumes intact.
"""

from __future__ import annotations

from pathlib import Path

import libvirt
from lxml import etree

from tests.e2e.faults.estate import converged, estate_stack, pool_files, real_drift
from tests.harness import Harness
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


def _pool_volumes(uri: str, name: str) -> set[str]:
    conn = libvirt.open(uri)
    try:
        pool = conn.storagePoolLookupByName(name)
        assert pool.isActive(), f"pool {name} is not running"
        pool.refresh(0)
        return set(pool.listVolumes())
    finally:
        conn.close()


def test_a_pool_stopped_or_undefined_by_hand_is_reported_and_repaired(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 252) as stack:
        stack.up()
        name = f"{name_prefix}f-vmstore"
        volumes = _pool_volumes(lab_host.uri, name)
        assert len(volumes) >= 3, volumes  # base image, root and data disks, seed
        files = pool_files(lab_scratch)
        pool_urn = _pool_urn(stack)
        conn = libvirt.open(lab_host.uri)
        try:
            conn.storagePoolLookupByName(name).destroy()  # virsh pool-destroy
            stopped = stack.refresh()
            assert real_drift(stopped) == {"vmstore@lab": {"running"}}, stopped.drift
            assert not stopped.vanished, "a stopped pool's volumes are not gone"
            said = [m.message for m in stopped.log]
            assert any(f"storage pool {name!r} is stopped" in m for m in said), said
            planned = stack.preview().changed()
            assert planned == {pool_urn: "update"}, planned
            stack.up()
            assert _pool_volumes(lab_host.uri, name) == volumes
            assert pool_files(lab_scratch) == files

            pool = conn.storagePoolLookupByName(name)
            pool.destroy()
            pool.undefine()  # virsh pool-destroy, then pool-undefine
            undefined = stack.refresh()
            assert undefined.vanished == (pool_urn,), undefined.vanished
            assert real_drift(undefined) == {}, undefined.drift
            said = [m.message for m in undefined.log]
            assert any(f"storage pool {name!r} is not defined" in m for m in said), said
            stack.up()
            assert _pool_volumes(lab_host.uri, name) == volumes
            assert pool_files(lab_scratch) == files
        finally:
            conn.close()
        converged(stack, lab_host, lab_scratch, name_prefix)


def _pool_urn(stack: Harness) -> str:
    (urn,) = [
        r.urn for r in stack.state.resources(custom_only=True) if r.type.endswith(":StoragePool")
    ]
    return urn
