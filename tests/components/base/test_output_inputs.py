"""Arguments that come from other resources or stacks (`Output`s): a NIC's fixed IP."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pulumi
import pytest

from components.config.errors import ComponentArgumentError
from components.hosts.kvm_host import KvmHost, KvmHostArgs
from components.hosts.storage_pool import StoragePool, StoragePoolArgs
from components.machines.virtual_machine import Nic, VirtualMachine, VirtualMachineArgs
from components.machines.vm_template import VmTemplate, VmTemplateArgs
from components.networks.bridged import BridgedNetwork, BridgedNetworkArgs
from components.networks.nat import NatNetwork, NatNetworkArgs
from tests.components.mocks import has_secret, recording_requests, run_program


@pytest.fixture(autouse=True)
def _collect_failed_futures() -> Iterator[None]:
    """A check failing inside `apply` leaves futures whose exception nobody retrieves; they
    are collected here, not in the middle of a later test (CPython 3.11 then breaks
    `ast.parse` in pytest's assertion rewriting with "recursion depth mismatch")."""
    yield
    gc.collect()


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


KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ9a0zZ8Xq0b5m5gk ops@laptop"


def _vm_with_cloud_init(cloud_init: object) -> None:
    host = KvmHost("hv1", KvmHostArgs(uri="qemu:///system", domain_type="qemu"))
    pool = StoragePool("pool", StoragePoolArgs(hosts=[host], path="/srv/pool"))
    template = VmTemplate(
        "t", VmTemplateArgs(pool=pool, image={"url": "https://example.org/d.qcow2"})
    )
    VirtualMachine("vm", VirtualMachineArgs(template=template, host=host, cloud_init=cloud_init))


def test_cloud_init_from_a_secret_output_is_rendered_and_stays_secret():
    settings = {"users": [{"name": "ops", "password": "hunter2!", "sshAuthorizedKeys": [KEY]}]}
    with recording_requests() as requests:
        mocks = run_program(lambda: _vm_with_cloud_init(pulumi.Output.secret(settings)))
    user_data = mocks.named("kvm:CloudInitSeed", "vm-cloud-init").inputs["userData"]["value"]
    assert "name: ops" in user_data and KEY in user_data
    wire = next(r for r in requests if r.name == "vm-cloud-init").wire
    assert has_secret(wire["userData"]) and has_secret(wire["networkConfig"])
    domain = next(r for r in requests if r.name == "vm" and r.typ.endswith(":Domain"))
    assert has_secret(domain.wire["cloudInit"])
    for request in requests:
        assert "hunter2!" not in str(request.wire), request.name


def test_cloud_init_from_an_output_is_the_same_seed_as_the_value():
    settings = {"users": [{"name": "ops", "sshAuthorizedKeys": [KEY]}], "onChange": "replace"}
    later = run_program(lambda: _vm_with_cloud_init(pulumi.Output.from_input(settings)))
    now = run_program(lambda: _vm_with_cloud_init(settings))
    for resource in ("kvm:CloudInitSeed", "kvm:Domain"):
        name = "vm-cloud-init" if "Seed" in resource else "vm"
        late, known = later.named(resource, name).inputs, now.named(resource, name).inputs
        assert {k: v for k, v in late.items() if k != "networkConfig"} == known
    assert later.named("kvm:Domain", "vm").inputs["cloudInit"]["value"]["onChange"] == "replace"


def test_a_bad_cloud_init_output_names_the_vm_and_field_without_the_value():
    bad = pulumi.Output.secret({"users": [{"name": "Bad Name!", "password": "hunter2!"}]})
    with pytest.raises(ValueError, match=r"VirtualMachine 'vm': cloudInit\.users\[0\]\.name") as e:
        run_program(lambda: _vm_with_cloud_init(bad))
    assert "hunter2!" not in str(e.value)


def _bridged(bridge: object) -> None:
    host = KvmHost("hv1", KvmHostArgs(uri="qemu:///system", domain_type="qemu"))
    BridgedNetwork("lan", BridgedNetworkArgs(hosts=[host], bridge=bridge))


def test_a_bridge_from_an_output_is_the_networks_bridge():
    later = run_program(lambda: _bridged(pulumi.Output.from_input("br7")))
    now = run_program(lambda: _bridged("br7"))
    assert (
        later.named("kvm:Network", "lan@hv1").inputs == now.named("kvm:Network", "lan@hv1").inputs
    )
    assert later.named("kvm:Network", "lan@hv1").inputs["bridgeName"] == "br7"


def test_a_secret_bridge_stays_secret():
    with recording_requests() as requests:
        run_program(lambda: _bridged(pulumi.Output.secret("br7")))
    network = next(r for r in requests if r.name == "lan@hv1")
    assert has_secret(network.wire["bridgeName"])


def test_a_bad_bridge_output_is_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"BridgedNetwork 'lan': bridge: .*not an interface name"):
        run_program(lambda: _bridged(pulumi.Output.from_input(42)))
