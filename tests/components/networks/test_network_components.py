"""Network components under mocks: specs per kind, host checks at preview, NIC bookkeeping."""

from __future__ import annotations

import ipaddress
import re

import pytest

from components.hosts.inspection import LiveNetwork, set_host_inspector
from components.hosts.kvm_host import KvmHost
from components.hosts.storage_pool import StoragePool
from components.machines.virtual_machine import Nic
from components.machines.vm_template import VmTemplate
from components.networks.bridged import BridgedNetwork
from components.networks.existing import ExistingNetwork
from components.networks.isolated import IsolatedNetwork
from components.networks.nat import NatNetwork
from components.networks.routed import RoutedNetwork
from components.spec.ownership import Ownership
from tests.components.mocks import run_program


class FakeInspector:
    def __init__(self, interfaces=(), networks=()):
        self._interfaces = set(interfaces)
        self._networks = list(networks)

    def answers(self, uri):
        pass

    def interfaces(self, uri):
        return self._interfaces

    def networks(self, uri):
        return self._networks


@pytest.fixture
def inspector():
    fake = FakeInspector()

    def install(**kwargs):
        fake.__init__(**kwargs)
        return fake

    yield install
    set_host_inspector(None)


def _run_with(inspector_obj, program):
    def wrapped():
        set_host_inspector(inspector_obj)
        program()

    return run_program(wrapped)


def _host():
    return KvmHost("hv1", uri="qemu:///system")


def test_each_kind_builds_its_libvirt_network():
    def program():
        host = _host()
        NatNetwork(
            "lan",
            [host],
            subnet="10.1.0.0/24",
            dhcp={"start": "10.1.0.10", "end": "10.1.0.99"},
            dnsDomain="lan.internal",
            forwarders=["10.1.0.53"],
            mtu=9000,
            ipv6={"subnet": "fd00:1::/64"},
            dnsHosts=[{"ip": "10.1.0.5", "hostnames": ["db"]}],
        )
        IsolatedNetwork("backend", [host], subnet="10.2.0.0/24")
        RoutedNetwork(
            "dmz",
            [host],
            subnet="10.3.0.0/24",
            routes=[{"subnet": "10.30.0.0/16", "gateway": "10.3.0.254"}],
        )
        BridgedNetwork("uplink", [host], bridge="br0")
        BridgedNetwork("mvt", [host], interface="eth1", mode="vepa")
        ExistingNetwork("default", [host], "default")

    mocks = run_program(program)
    nets = {n.name: n.inputs for n in mocks.of_type("kvm:Network")}
    lan = nets["lan@hv1"]
    assert lan["forwardMode"] == "nat"
    assert lan["mtu"] == 9000
    assert lan["domainName"] == "lan.internal"
    assert lan["dnsForwarders"] == [{"addr": "10.1.0.53"}]
    assert lan["dnsHosts"] == [{"ip": "10.1.0.5", "hostnames": ["db"]}]
    assert [ip.get("family") for ip in lan["ips"]] == [None, "ipv6"]
    assert lan["ips"][1]["address"] == "fd00:1::1"
    assert "forwardMode" not in nets["backend@hv1"]
    assert nets["dmz@hv1"]["forwardMode"] == "route"
    assert nets["dmz@hv1"]["routes"] == [
        {"address": "10.30.0.0", "prefix": 16, "gateway": "10.3.0.254"}
    ]
    assert (nets["uplink@hv1"]["forwardMode"], nets["uplink@hv1"]["bridgeName"]) == (
        "bridge",
        "br0",
    )
    assert (nets["mvt@hv1"]["forwardMode"], nets["mvt@hv1"]["forwardDev"]) == ("vepa", "eth1")
    (ref,) = mocks.of_type("kvm:NetworkReference")
    assert ref.inputs == {"connectionUri": "qemu:///system", "name": "default"}


def test_bridge_missing_on_the_host_fails_preview(inspector):
    fake = inspector(interfaces={"eth0", "lo"})
    with pytest.raises(
        ValueError,
        match=re.escape(
            "BridgedNetwork 'uplink': bridge 'br0' does not exist on host 'hv1' (has: eth0, lo)"
        ),
    ):
        _run_with(fake, lambda: BridgedNetwork("uplink", [_host()], bridge="br0"))


def test_bridge_present_on_the_host_passes(inspector):
    fake = inspector(interfaces={"br0"})
    mocks = _run_with(fake, lambda: BridgedNetwork("uplink", [_host()], bridge="br0"))
    assert len(mocks.of_type("kvm:Network")) == 1


def test_overlap_with_a_network_we_do_not_own_fails_preview(inspector):
    foreign = LiveNetwork("default", (ipaddress.ip_network("10.1.0.0/16"),), None)
    fake = inspector(networks=[foreign])
    with pytest.raises(
        ValueError,
        match=re.escape(
            "NatNetwork 'lan': subnet 10.1.2.0/24 overlaps network 'default' (10.1.0.0/16) on host "
            "'hv1', which this stack does not manage"
        ),
    ):
        _run_with(fake, lambda: NatNetwork("lan", [_host()], subnet="10.1.2.0/24"))


def test_overlap_with_our_own_networks_is_not_an_error(inspector):
    ours = LiveNetwork(
        "dev-old",
        (ipaddress.ip_network("10.1.2.0/24"),),
        Ownership(project="kvm-estate", stack="dev", name="old"),
    )
    same_name = LiveNetwork("dev-lan", (ipaddress.ip_network("10.1.2.0/24"),), None)
    fake = inspector(networks=[ours, same_name])
    mocks = _run_with(fake, lambda: NatNetwork("lan", [_host()], subnet="10.1.2.0/24"))
    assert len(mocks.of_type("kvm:Network")) == 1


def test_unreachable_host_fails_the_preview_naming_it(inspector):
    class Down:
        def answers(self, uri):
            raise ConnectionError("refused")

        interfaces = networks = answers

    with pytest.raises(Exception, match=r"hosts\.hv1: cannot reach libvirt at .*: refused"):
        _run_with(Down(), lambda: BridgedNetwork("uplink", [_host()], bridge="br0"))


def test_a_host_marked_down_is_not_inspected(inspector, caplog):
    class Down:
        def answers(self, uri):
            raise AssertionError("a down host is not contacted")

        interfaces = networks = answers

    def program():
        host = KvmHost("hv1", uri="qemu+ssh://root@hv1/system", down=True)
        BridgedNetwork("uplink", [host], bridge="br0")

    mocks = _run_with(Down(), program)
    assert len(mocks.of_type("kvm:Network")) == 1
    assert "is marked down" in caplog.text


def _vm_program(*nic_sets):
    def program():
        host = _host()
        pool = StoragePool("vmstore", [host], "/srv")
        tmpl = VmTemplate("t", pool, image={"path": "/i.qcow2"}, diskSize="1GiB")
        lan = NatNetwork("lan", [host], subnet="10.5.0.0/24")
        uplink = BridgedNetwork("uplink", [host], bridge="br0")
        nets = {"lan": lan, "uplink": uplink}
        for index, nics in enumerate(nic_sets):
            tmpl.instantiate(f"vm{index}", host, nics=[Nic(nets[n], **kw) for n, kw in nics])

    return program


def test_fixed_ip_becomes_a_reservation_tied_to_the_network():
    mocks = run_program(_vm_program([("lan", {"ip": "10.5.0.10"}), ("uplink", {})]))
    (reservation,) = mocks.of_type("kvm:DhcpReservation")
    domain = mocks.named("kvm:Domain", "vm0").inputs
    assert reservation.inputs["ip"] == "10.5.0.10"
    assert reservation.inputs["mac"] == domain["interfaces"][0]["mac"]
    assert reservation.inputs["networkUuid"] == "uuid-lan@hv1"


@pytest.mark.parametrize(
    ("nic_sets", "expected"),
    [
        ([[("lan", {"ip": "10.6.0.10"})]], "NIC on network 'lan': ip: 10.6.0.10 is outside"),
        ([[("lan", {"ip": "10.5.0.1"})]], "is the gateway's address"),
        (
            [[("lan", {"ip": "10.5.0.10"})], [("lan", {"ip": "10.5.0.10"})]],
            "VirtualMachine 'vm1': NIC on network 'lan': ip 10.5.0.10 is already used by VM 'vm0'",
        ),
        (
            [[("lan", {"mac": "52:54:00:00:00:01"})], [("lan", {"mac": "52:54:00:00:00:01"})]],
            "MAC 52:54:00:00:00:01 is already used by VM 'vm0'",
        ),
        ([[("uplink", {"ip": "192.168.1.5"})]], "a fixed IP needs a network whose DHCP"),
        ([[("lan", {"ip": "not-an-ip"})]], "Nic on network 'lan': ip: 'not-an-ip' is not an IPv4"),
    ],
)
def test_nic_mistakes_fail_at_construction(nic_sets, expected):
    with pytest.raises(ValueError, match=re.escape(expected)):
        run_program(_vm_program(*nic_sets))
