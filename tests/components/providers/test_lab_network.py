"""Networks on a real libvirtd (a lab host): bridge, dnsmasq, live lease and DNS changes."""

from __future__ import annotations

from typing import Any

import libvirt
import pytest
from lxml import etree

from components.providers.base import Props, ProviderError
from components.providers.network import NetworkProvider
from tests.components.providers.lab_support import (
    cleaned,
    connection,
    dnsmasq_dir_outside,
    dnsmasq_pids,
    subnet_for,
)
from tests.components.providers.wire import Engine, network_inputs
from tests.lab import Lab, LabHost, wait_until

LEASE_MAC = "52:54:00:6b:70:01"


def bridge_exists(lab: Lab, bridge: str) -> bool:
    shown = lab.run_in_netns(["ip", "link", "show", bridge])
    return shown.returncode == 0 and bridge in shown.stdout


def with_lease_and_dns(props: dict[str, Any], subnet: str) -> dict[str, Any]:
    ips = [dict(ip) for ip in props["ips"]]
    ips[0]["dhcpHosts"] = [{"mac": LEASE_MAC, "ip": f"{subnet}.50", "name": "db"}]
    return {**props, "ips": ips, "dnsHosts": [{"ip": f"{subnet}.50", "hostnames": ["db.lab"]}]}


def test_nat_network_lifecycle_with_live_lease_and_dns_changes(
    lab: Lab, lab_host: LabHost, name_prefix: str
) -> None:
    name = f"{name_prefix}net"
    bridge = f"{name_prefix}br"
    subnet = subnet_for(name_prefix)
    props = network_inputs(lab_host.uri, name, subnet=subnet, bridgeName=bridge)
    hostsfile = dnsmasq_dir_outside(lab_host) / f"{name}.hostsfile"
    engine = Engine(NetworkProvider())
    with cleaned(lab_host, name_prefix):
        res = engine.create(props)
        assert res.outputs["actualBridgeName"] == bridge
        with connection(lab_host) as conn:
            net = conn.networkLookupByName(name)
            assert net.UUIDString() == res.id
            assert net.isActive() and net.autostart()
        assert bridge_exists(lab, bridge), f"bridge {bridge} not in the lab's netns {lab.netns}"
        assert dnsmasq_pids(name), f"no dnsmasq running for {name}"
        assert engine.read(res)[0] == res.id
        assert engine.provider.diff(res.id, res.outputs, res.inputs).changes is False

        # Static lease + DNS record: changed live with virNetworkUpdate, no replace.
        dnsmasq_before = set(dnsmasq_pids(name))
        diff = engine.update(res, with_lease_and_dns(props, subnet))
        assert diff.replaces == []
        with connection(lab_host) as conn:
            net = conn.networkLookupByName(name)
            assert net.UUIDString() == res.id, "the network was replaced, not updated"
            live = etree.fromstring(net.XMLDesc(0).encode())
            persistent = etree.fromstring(net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE).encode())
        for xml in (live, persistent):
            host = xml.find(f"ip/dhcp/host[@mac='{LEASE_MAC}']")
            assert host is not None and host.get("ip") == f"{subnet}.50"
            assert xml.findtext(f"dns/host[@ip='{subnet}.50']/hostname") == "db.lab"
        assert f"{LEASE_MAC},{subnet}.50,db" in hostsfile.read_text()
        addnhosts = hostsfile.with_suffix(".addnhosts").read_text().split()
        assert addnhosts[:2] == [f"{subnet}.50", "db.lab"], addnhosts
        assert bridge_exists(lab, bridge)
        # dnsmasq re-read its hosts files (SIGHUP); it was not restarted.
        assert set(dnsmasq_pids(name)) == dnsmasq_before

        found_id, outs = engine.read(res)
        assert found_id == res.id
        assert outs["ips"][0]["dhcpHosts"] == [
            {"mac": LEASE_MAC, "ip": f"{subnet}.50", "name": "db"}
        ]
        assert engine.provider.diff(res.id, res.outputs, res.inputs).changes is False

        # And back: the lease is removed live too.
        engine.update(res, props)
        wait_until(
            lambda: LEASE_MAC not in hostsfile.read_text(), 10, f"{LEASE_MAC} out of {hostsfile}"
        )
        with connection(lab_host) as conn:
            assert LEASE_MAC not in conn.networkLookupByName(name).XMLDesc(0)

        engine.delete(res)
        with connection(lab_host) as conn:
            assert name not in [n.name() for n in conn.listAllNetworks(0)]
        assert not bridge_exists(lab, bridge)
        wait_until(lambda: not dnsmasq_pids(name), 10, f"dnsmasq of {name} to exit")
        assert engine.read(res)[0] is None


def test_adopting_a_running_network_tags_it_and_then_deletes_it(
    lab: Lab, lab_host: LabHost, name_prefix: str
) -> None:
    name = f"{name_prefix}net"
    bridge = f"{name_prefix}br"
    subnet = subnet_for(name_prefix)
    engine = Engine(NetworkProvider())
    with cleaned(lab_host, name_prefix):
        with connection(lab_host) as conn:
            theirs = conn.networkDefineXML(
                f"<network><name>{name}</name><bridge name='{bridge}'/>"
                f"<ip address='{subnet}.1' prefix='24'/></network>"
            )
            theirs.create()
            uuid = theirs.UUIDString()
        props = network_inputs(lab_host.uri, name, subnet=subnet, bridgeName=bridge)
        with pytest.raises(ProviderError, match="already exists"):
            engine.create(props)
        with pytest.raises(ProviderError, match="carries no kvm-pulumi ownership tag"):
            NetworkProvider().delete(uuid, NetworkProvider().check({}, props).inputs)
        assert bridge_exists(lab, bridge)

        res = engine.create({**props, "adopt": True})
        assert res.id == uuid
        with connection(lab_host) as conn:
            net = conn.networkLookupByUUIDString(uuid)
            assert net.isActive(), "adoption stopped the network"
            persistent = net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)
        assert "https://kvm-pulumi.dev/xmlns/owner/1" in persistent
        engine.delete(res)
        with connection(lab_host) as conn:
            assert name not in [n.name() for n in conn.listAllNetworks(0)]


def _left_stopped(lab_host: LabHost, provider: NetworkProvider, props: Props) -> tuple[str, str]:
    """The network defined, not started, as a run cut short left it: (uuid, bridge name)."""
    with connection(lab_host) as conn:
        left = conn.networkDefineXML(provider.spec_of(provider.inputs_of(props)).to_xml())
        bridge = etree.fromstring(left.XMLDesc(0).encode()).find("bridge")
        return left.UUIDString(), bridge.get("name")


def test_a_network_left_stopped_with_its_bridge_taken_starts_on_a_new_bridge(
    lab: Lab, lab_host: LabHost, name_prefix: str
) -> None:
    """libvirtd killed while it started a network leaves the network defined but stopped and
    its bridge in the kernel, unknown to the restarted daemon: the rerun's create takes the
    network over and starts it on a bridge libvirt picks anew."""
    name = f"{name_prefix}net"
    props = network_inputs(lab_host.uri, name, subnet=subnet_for(name_prefix))
    provider = NetworkProvider()
    engine = Engine(provider)
    with cleaned(lab_host, name_prefix):
        uuid, stale = _left_stopped(lab_host, provider, props)
        made = lab.run_in_netns(["ip", "link", "add", stale, "type", "bridge"])
        assert made.returncode == 0, made.stderr
        try:
            res = engine.create(props)
            assert res.id == uuid, "the network the interrupted run defined is taken over"
            assert res.outputs["actualBridgeName"] != stale
            assert bridge_exists(lab, res.outputs["actualBridgeName"])
            with connection(lab_host) as conn:
                assert conn.networkLookupByUUIDString(uuid).isActive()
            engine.delete(res)
        finally:
            lab.run_in_netns(["ip", "link", "delete", stale])


def _leave_bridge_with_address(lab: Lab, bridge: str, subnet: str) -> None:
    """A bridge holding `subnet`.1/24, up, as a libvirtd killed mid-start leaves one."""
    for command in (
        ["ip", "link", "add", bridge, "type", "bridge"],
        ["ip", "address", "add", f"{subnet}.1/24", "dev", bridge],
        ["ip", "link", "set", bridge, "up"],
    ):
        made = lab.run_in_netns(command)
        assert made.returncode == 0, made.stderr


def test_a_network_whose_left_bridge_holds_its_address_names_the_command_that_frees_it(
    lab: Lab, lab_host: LabHost, name_prefix: str
) -> None:
    """Killed later in the start, libvirtd leaves the bridge holding the network's address:
    libvirt refuses the subnet and cannot remove the bridge. The rerun fails naming the
    bridge and `ip link delete`, keeps the network defined, and converges once that ran."""
    name = f"{name_prefix}net"
    subnet = subnet_for(name_prefix)
    props = network_inputs(lab_host.uri, name, subnet=subnet)
    provider = NetworkProvider()
    engine = Engine(provider)
    with cleaned(lab_host, name_prefix):
        uuid, stale = _left_stopped(lab_host, provider, props)
        _leave_bridge_with_address(lab, stale, subnet)
        try:
            with pytest.raises(ProviderError) as refused:
                engine.create(props)
            message = str(refused.value)
            assert f"`ip link delete {stale}`" in message, message
            assert f"{subnet}.1/24" in message and name in message, message
            with connection(lab_host) as conn:
                assert not conn.networkLookupByUUIDString(uuid).isActive()
        finally:
            lab.run_in_netns(["ip", "link", "delete", stale])
        res = engine.create(props)
        assert res.id == uuid, "the network the interrupted run defined is taken over"
        with connection(lab_host) as conn:
            assert conn.networkLookupByUUIDString(uuid).isActive()
        engine.delete(res)


def test_a_subnet_routed_to_another_interface_is_refused_naming_it(
    lab: Lab, lab_host: LabHost, name_prefix: str
) -> None:
    name = f"{name_prefix}net"
    other = f"{name_prefix}x"
    subnet = subnet_for(name_prefix)
    engine = Engine(NetworkProvider())
    with cleaned(lab_host, name_prefix):
        _leave_bridge_with_address(lab, other, subnet)
        try:
            with pytest.raises(ProviderError, match=f"routed to interface {other}"):
                engine.create(network_inputs(lab_host.uri, name, subnet=subnet))
            with connection(lab_host) as conn:
                assert name not in [n.name() for n in conn.listAllNetworks(0)]
        finally:
            lab.run_in_netns(["ip", "link", "delete", other])
