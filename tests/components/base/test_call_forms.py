"""Every component is `Component(name, args, opts)`; the old call forms build the same
args, and a call in neither form says what the new one is."""

from __future__ import annotations

import re

import pulumi
import pytest

from components.config.errors import ComponentArgumentError
from components.hosts.kvm_host import KvmHost, KvmHostArgs
from components.hosts.storage_pool import StoragePool, StoragePoolArgs
from components.machines.virtual_machine import Nic, VirtualMachine, VirtualMachineArgs
from components.machines.vm_template import VmTemplate, VmTemplateArgs
from components.networks.bridged import BridgedNetwork, BridgedNetworkArgs
from components.networks.existing import ExistingNetwork, ExistingNetworkArgs
from components.networks.isolated import IsolatedNetwork, IsolatedNetworkArgs
from components.networks.nat import NatNetwork, NatNetworkArgs
from components.networks.routed import RoutedNetwork, RoutedNetworkArgs
from components.snapshots.policy import SnapshotPolicy, SnapshotPolicyArgs
from components.snapshots.snapshot import Snapshot, SnapshotArgs
from tests.components.mocks import RecordingMocks, run_program

IMAGE = {"url": "https://example.org/d.qcow2"}


def _new_forms() -> None:
    host = KvmHost("hv1", KvmHostArgs(uri="qemu:///system", domain_type="qemu"))
    pool = StoragePool("pool", StoragePoolArgs(hosts=[host], path="/srv/pool"))
    nat = NatNetwork("nat", NatNetworkArgs(hosts=[host], subnet="10.1.0.0/24"))
    IsolatedNetwork("iso", IsolatedNetworkArgs(hosts=[host], subnet="10.2.0.0/24"))
    RoutedNetwork("routed", RoutedNetworkArgs(hosts=[host], subnet="10.3.0.0/24"))
    BridgedNetwork("br", BridgedNetworkArgs(hosts=[host], bridge="br0"))
    ExistingNetwork("default", ExistingNetworkArgs(hosts=[host], name="default"))
    policy = SnapshotPolicy("nightly", SnapshotPolicyArgs(schedule="daily at 02:00", keep_last=3))
    template = VmTemplate("t", VmTemplateArgs(pool=pool, image=IMAGE, memory="1GiB"))
    vm = VirtualMachine(
        "vm",
        VirtualMachineArgs(
            template=template,
            host=host,
            nics=[Nic(nat, ip="10.1.0.9")],
            memory="2GiB",
            snapshot_policy=policy,
        ),
        opts=pulumi.ResourceOptions(),
    )
    Snapshot("before", SnapshotArgs(vm=vm, snapshot_name="pre"))


def _old_forms() -> None:
    host = KvmHost("hv1", uri="qemu:///system", domain_type="qemu")
    pool = StoragePool("pool", [host], "/srv/pool")
    nat = NatNetwork("nat", [host], subnet="10.1.0.0/24")
    IsolatedNetwork("iso", [host], subnet="10.2.0.0/24")
    RoutedNetwork("routed", [host], subnet="10.3.0.0/24")
    BridgedNetwork("br", [host], bridge="br0")
    ExistingNetwork("default", [host], "default")
    policy = SnapshotPolicy("nightly", schedule="daily at 02:00", keep_last=3)
    template = VmTemplate("t", pool, image=IMAGE, memory="1GiB")
    vm = VirtualMachine(
        "vm", template, host, [Nic(nat, ip="10.1.0.9")], memory="2GiB", snapshot_policy=policy
    )
    Snapshot("before", vm, snapshot_name="pre")


def _registered(mocks: RecordingMocks) -> list[tuple[str, str, dict[str, object]]]:
    return sorted((r.typ, r.name, r.inputs) for r in mocks.resources)  # type: ignore[misc]


def test_old_forms_register_what_the_new_form_does():
    new, old = run_program(_new_forms), run_program(_old_forms)
    assert len(new.resources) == 23
    assert sorted(map(repr, _registered(old))) == sorted(map(repr, _registered(new)))
    assert new.named("kvm:Domain", "vm").inputs["memoryMib"] == 2048


def test_instantiate_is_the_new_form_too():
    def program() -> None:
        host = KvmHost("hv1", KvmHostArgs(uri="qemu:///system", domain_type="qemu"))
        pool = StoragePool("pool", StoragePoolArgs(hosts=[host], path="/srv/pool"))
        VmTemplate("t", VmTemplateArgs(pool=pool, image=IMAGE)).instantiate("vm", host, vcpus=2)

    assert run_program(program).named("kvm:Domain", "vm").inputs["vcpus"] == 2


@pytest.mark.parametrize(
    ("call", "form"),
    [
        (lambda: KvmHost("hv1", 42), "KvmHost(name, KvmHostArgs(...), opts=None)"),
        (lambda: StoragePool("p"), "StoragePool(name, StoragePoolArgs(...), opts=None)"),
        (lambda: NatNetwork("n"), "NatNetwork(name, NatNetworkArgs(...), opts=None)"),
        (lambda: ExistingNetwork("e", [], "x", None, 1), "ExistingNetwork(name, Existing"),
        (lambda: VmTemplate("t"), "VmTemplate(name, VmTemplateArgs(...), opts=None)"),
        (lambda: VirtualMachine("v"), "VirtualMachine(name, VirtualMachineArgs(...), opts=None)"),
        (lambda: Snapshot("s"), "Snapshot(name, SnapshotArgs(...), opts=None)"),
        (lambda: SnapshotPolicy("p", 1, 2, 3), "SnapshotPolicy(name, SnapshotPolicyArgs(...)"),
        (lambda: KvmHost(7, KvmHostArgs(uri="qemu:///system")), "KvmHost(name, KvmHostArgs"),
    ],
)
def test_a_call_in_neither_form_shows_the_new_one(call, form):
    with pytest.raises(TypeError, match=re.escape(form)):
        run_program(call)


def test_opts_that_are_not_resource_options_are_refused():
    args = KvmHostArgs(uri="qemu:///system")
    with pytest.raises(TypeError, match=r"opts: expected pulumi.ResourceOptions, got 'x'"):
        run_program(lambda: KvmHost("hv1", args, "x"))


def test_an_args_class_refuses_bad_values_naming_the_field_and_value():
    with pytest.raises(ComponentArgumentError, match=r"VirtualMachineArgs: .*memory: '2GB\?'"):
        VirtualMachineArgs(memory="2GB?")
    with pytest.raises(ComponentArgumentError, match=r"StoragePoolArgs: hosts: .*not 0"):
        StoragePoolArgs(hosts=[], path="/srv/pool")


def test_an_old_form_names_the_component_and_its_name():
    with pytest.raises(
        ComponentArgumentError, match=r"StoragePool 'p': path: 'relative' .*absolute"
    ):
        run_program(lambda: StoragePool("p", [KvmHost("hv1", uri="qemu:///system")], "relative"))
