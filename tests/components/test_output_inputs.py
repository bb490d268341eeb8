"""Arguments that come from other resources or stacks (`Output`s): a NIC's fixed IP."""

from __future__ import annotations

import pulumi
import pytest

from components.bridged_network import BridgedNetwork, BridgedNetworkArgs
from components.config.errors import ComponentArgumentError
from components.kvm_host import KvmHost, KvmHostArgs
from components.nat_network import NatNetwork, NatNetworkArgs
from components.storage_pool import StoragePool, StoragePoolArgs
from components.virtual_machine import Nic, VirtualMachine, VirtualMachineArgs
from components.vm_template import VmTemplate, VmTemplateArgs
from tests.components.mocks import has_secret, recording_requests, run_program


def _vm_with_ip(ip: object, bridged: bool = False) -> None:
    host = KvmHost("hv1", KvmHostArgs(uri="qemu:///system", domain_type="qemu"))
    pool = StoragePool("pool", StoragePoolArgs(hosts=[host], path="/srv/pool"))
    if bridged:
        network: object = BridgedNetwork("lan", BridgedNetworkArgs(hosts=[host], bridge="br0"))
    else:
        network = NatNetwork("lan", NatNetworkArgs(hosts=[host], subnet="10.1.0.0/24"))
    template = VmTemplate(
        "t", VmTemplateArgs(pool=pool, image={"url": "https://example.org/d.qcow2"})
    )
    nic = Nic(network, ip=ip(host) if callable(ip) else ip)  # type: ignore[arg-type]
    VirtualMachine("vm", VirtualMachineArgs(template=template, host=host, nics=[nic]))


def _from_another_resource(host: KvmHost) -> pulumi.Output[str]:
    """An address another resource computes (here: from the host's facts resource)."""
    return host.facts_resource.urn.apply(lambda _urn: "10.1.0.20")


def test_an_ip_from_another_resource_becomes_the_reservation():
    with recording_requests() as requests:
        mocks = run_program(lambda: _vm_with_ip(_from_another_resource))
    assert mocks.named("kvm:DhcpReservation", "vm-nic0").inputs["ip"] == "10.1.0.20"
    lease = next(r for r in requests if r.name == "vm-nic0")
    facts = next(r.urn for r in requests if r.name == "hv1-facts")
    assert facts in lease.dependencies  # the engine waits for the resource it comes from


def test_a_secret_ip_stays_secret_in_the_reservation():
    with recording_requests() as requests:
        run_program(lambda: _vm_with_ip(pulumi.Output.secret("10.1.0.21")))
    lease = next(r for r in requests if r.name == "vm-nic0")
    assert has_secret(lease.wire["ip"])
    assert "10.1.0.21" not in str({k: v for k, v in lease.wire.items() if k != "ip"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.1.0.x", "VirtualMachine 'vm': NIC on network 'lan': ip: '10.1.0.x' is not an IPv4"),
        ("10.9.0.5", "VirtualMachine 'vm': NIC on network 'lan': ip: 10.9.0.5 is outside subnet"),
        ("10.1.0.1", "ip: 10.1.0.1 is the gateway's address"),
    ],
)
def test_an_output_ip_is_checked_when_known_naming_the_field(value, expected):
    """Raised inside `apply`: the SDK reports it as a ValueError with the message kept."""
    with pytest.raises(ValueError, match=expected):
        run_program(lambda: _vm_with_ip(pulumi.Output.from_input(value)))


def test_an_output_ip_on_a_network_without_dhcp_is_refused_at_once():
    with pytest.raises(ComponentArgumentError, match=r"a fixed IP needs a network whose DHCP"):
        run_program(lambda: _vm_with_ip(pulumi.Output.from_input("10.1.0.5"), bridged=True))
