"""Every kind of network on a lab host, through the real program and the harness.

One stack with NAT, isolated, routed and bridged networks plus a reference to a network
it does not own, and a VM with a NIC on each. Then the changes operators make: a static
lease and a DNS record added live (same network, VM untouched), a subnet change (a
replace, after which the running VM is plugged into the new bridge), and a network removed
from the config while a VM still uses it (refused, nothing deleted).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest
from lxml import etree

from tests.components.mocks import REPO
from tests.components.providers.lab_support import dnsmasq_dir_outside
from tests.harness import Harness, HarnessError
from tests.lab.base_image import make_base_image
from tests.lab.guest import TinyGuest, wait_for_marker
from tests.lab.hosts import Lab, LabHost


def _config(host: LabHost, scratch: Path, guest: TinyGuest, prefix: str) -> dict[str, Any]:
    image = make_base_image(scratch / "base.qcow2", size_mib=32)
    return {
        "hosts": {"lab": {"uri": host.uri, "domainType": "qemu"}},
        "pools": {"vmstore": {"path": str(scratch / "pool")}},
        "networks": {
            "lan": {
                "subnet": "10.241.1.0/24",
                "dhcp": {"start": "10.241.1.100", "end": "10.241.1.150"},
                "dnsDomain": "lab.internal",
                "forwarders": ["10.241.1.53"],
                "mtu": 1400,
            },
            "backend": {
                "kind": "isolated",
                "subnet": "10.241.2.0/24",
                "ipv6": {"subnet": "fd00:241:2::/64"},
            },
            "dmz": {
                "kind": "routed",
                "subnet": "10.241.3.0/24",
                "routes": [{"subnet": "10.241.30.0/24", "gateway": "10.241.3.254"}],
            },
            "uplink": {"kind": "bridged", "bridge": f"{prefix}br"},
            "default": {"kind": "existing", "name": f"{prefix}foreign"},
        },
        "templates": {
            "tiny": {
                "image": {"path": str(image)},
                "pool": "vmstore",
                "generation": "gen1",
                "gen1Reason": "the tiny test guest boots in seconds under SeaBIOS",
                "memory": "96MiB",
                "diskSize": "64MiB",
                "kernel": str(guest.kernel),
                "initrd": str(guest.initrd),
            }
        },
        "vms": [
            {
                "name": "app",
                "template": "tiny",
                "cmdline": guest.cmdline("app", mode="loop"),
                "shutdownTimeoutSeconds": 5,
                "nics": [
                    {"network": "lan", "ip": "10.241.1.10"},
                    {"network": "backend", "ip": "10.241.2.10"},
                    {"network": "dmz"},
                    {"network": "uplink", "model": "e1000"},
                    {"network": "default"},
                ],
            }
        ],
    }


@pytest.fixture
def network_stack(
    lab: Lab, lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> Iterator[tuple[Harness, libvirt.virConnect]]:
    bridge = f"{name_prefix}br"
    lab.run_in_netns(["ip", "link", "add", bridge, "type", "bridge"])
    lab.run_in_netns(["ip", "link", "set", bridge, "up"])
    conn = libvirt.open(lab_host.uri)
    foreign = conn.networkCreateXML(
        f"<network><name>{name_prefix}foreign</name><bridge name='{name_prefix}fbr'/>"
        "<ip address='10.241.9.1' prefix='24'/></network>"
    )
    harness = Harness(
        REPO / "__main__.py",
        "kvm-estate",
        f"{name_prefix}net",
        lab_scratch / "state.json",
        config=_config(lab_host, lab_scratch, tiny_guest, name_prefix),
    )
    try:
        yield harness, conn
    finally:
        try:
            if harness.state.resources(custom_only=True):
                harness.destroy()
        finally:
            foreign.destroy()
            conn.close()
            lab.run_in_netns(["ip", "link", "del", bridge])


def _bridge_members(lab: Lab, bridge: str) -> str:
    return lab.run_in_netns(["ip", "-o", "link", "show", "master", bridge]).stdout


def test_every_network_kind_and_changes_in_place(
    network_stack: tuple[Harness, libvirt.virConnect],
    lab: Lab,
    lab_host: LabHost,
    name_prefix: str,
):
    harness, conn = network_stack
    stack = f"{name_prefix}net-"
    harness.up()
    nets = {n: conn.networkLookupByName(f"{stack}{n}") for n in ("lan", "backend", "dmz", "uplink")}
    xml = {n: etree.fromstring(net.XMLDesc(0).encode()) for n, net in nets.items()}
    assert all(net.isActive() for net in nets.values())
    assert xml["lan"].find("forward").get("mode") == "nat"
    assert xml["lan"].find("domain").get("name") == "lab.internal"
    assert xml["lan"].find("mtu").get("size") == "1400"
    assert xml["lan"].find("dns/forwarder").get("addr") == "10.241.1.53"
    assert xml["backend"].find("forward") is None
    assert [ip.get("family") for ip in xml["backend"].findall("ip")] == [None, "ipv6"]
    assert xml["dmz"].find("forward").get("mode") == "route"
    assert xml["dmz"].find("route").get("gateway") == "10.241.3.254"
    assert xml["uplink"].find("forward").get("mode") == "bridge"
    assert xml["uplink"].find("bridge").get("name") == f"{name_prefix}br"
    for name in ("lan", "backend", "dmz"):
        bridge = xml[name].find("bridge").get("name")
        assert lab.run_in_netns(["ip", "link", "show", bridge]).returncode == 0, bridge

    dom = conn.lookupByName(f"{stack}app")
    live = etree.fromstring(dom.XMLDesc(0).encode())
    sources = [i.find("source").get("network") for i in live.findall("devices/interface")]
    assert sources == [
        f"{stack}lan",
        f"{stack}backend",
        f"{stack}dmz",
        f"{stack}uplink",
        f"{name_prefix}foreign",
    ]
    assert live.findall("devices/interface")[3].find("model").get("type") == "e1000"
    macs = [i.find("mac").get("address") for i in live.findall("devices/interface")]
    hosts = xml["lan"].findall("ip/dhcp/host")
    assert [(h.get("mac"), h.get("ip"), h.get("name")) for h in hosts] == [
        (macs[0], "10.241.1.10", "app")
    ]
    hostsfile = dnsmasq_dir_outside(lab_host) / f"{stack}lan.hostsfile"
    assert f"{macs[0]},10.241.1.10,app" in hostsfile.read_text()
    assert "vnet" in _bridge_members(lab, f"{name_prefix}br"), "VM NIC on the host bridge"
    wait_for_marker(lab_host.serial_log_path(f"{stack}app"), "KVM-PULUMI-BOOT-OK app")
    lan_uuid, dom_id = nets["lan"].UUIDString(), dom.ID()

    lan = harness.config["networks"]["lan"]
    lan["staticLeases"] = [{"mac": "52:54:00:aa:bb:01", "ip": "10.241.1.20", "name": "printer"}]
    lan["dnsHosts"] = [{"ip": "10.241.1.20", "hostnames": ["printer.lab.internal"]}]
    preview = harness.preview()
    assert preview.step("lan@lab") == "update"
    result = harness.up()
    assert result.step("lan@lab") == "update"
    assert {op for urn, op in result.changed().items()} == {"update"}
    net = conn.networkLookupByName(f"{stack}lan")
    assert net.UUIDString() == lan_uuid, "updated in place"
    live_net = etree.fromstring(net.XMLDesc(0).encode())
    assert {h.get("ip") for h in live_net.findall("ip/dhcp/host")} == {"10.241.1.10", "10.241.1.20"}
    assert live_net.find("dns/host").get("ip") == "10.241.1.20"
    assert "52:54:00:aa:bb:01,10.241.1.20,printer" in hostsfile.read_text()
    assert conn.lookupByName(f"{stack}app").ID() == dom_id, "the VM was not restarted"

    backend_uuid = nets["backend"].UUIDString()
    harness.config["networks"]["backend"]["subnet"] = "10.241.4.0/24"
    harness.config["vms"][0]["nics"][1]["ip"] = "10.241.4.10"
    result = harness.up()
    assert result.step("backend@lab") == "replace"
    new_backend = conn.networkLookupByName(f"{stack}backend")
    assert new_backend.UUIDString() != backend_uuid
    assert new_backend.isActive()
    bridge = etree.fromstring(new_backend.XMLDesc(0).encode()).find("bridge").get("name")
    assert "vnet" in _bridge_members(lab, bridge), "running VM re-attached to the new bridge"
    ports = new_backend.listAllPorts(0)
    assert len(ports) == 1, "the VM's NIC is a port of the new network"
    reservation = etree.fromstring(new_backend.XMLDesc(0).encode()).find("ip/dhcp/host")
    assert reservation.get("ip") == "10.241.4.10", "the VM's reservation followed"
    assert conn.lookupByName(f"{stack}app").ID() == dom_id, "the VM kept running"

    broken = copy.deepcopy(harness.config)
    del broken["networks"]["dmz"]
    harness.config = broken
    with pytest.raises(HarnessError, match=r"vms\[0\].nics\[2\].network: 'dmz' is not a network"):
        harness.up()
    assert conn.networkLookupByName(f"{stack}dmz").isActive(), "nothing was deleted"
    assert conn.lookupByName(f"{stack}app").isActive()
