"""A user's options on a component reach the resources it is made of."""

from __future__ import annotations

import asyncio

import pulumi
import pytest
from pulumi.runtime.resource import inherited_child_alias

from components.base.child_options import child_inputs_ignored
from components.hosts.kvm_host import KvmHost, KvmHostArgs
from components.hosts.storage_pool import StoragePool, StoragePoolArgs
from components.machines.virtual_machine import Nic, VirtualMachine, VirtualMachineArgs
from components.machines.vm_template import VmTemplate, VmTemplateArgs
from components.networks.nat import NatNetwork, NatNetworkArgs
from tests.components.mocks import Request, recording_requests, run_program

CLOUD_INIT = {
    "users": [
        {
            "name": "ops",
            "sshAuthorizedKeys": [
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ9a0zZ8Xq0b5m5gk ops@laptop"
            ],
        }
    ]
}


def _vm(opts: pulumi.ResourceOptions | None = None, vm_name: str = "web-1") -> None:
    host = KvmHost("hv1", KvmHostArgs(uri="qemu:///system", domain_type="qemu"))
    pool = StoragePool("pool", StoragePoolArgs(hosts=[host], path="/srv/pool"))
    lan = NatNetwork("lan", NatNetworkArgs(hosts=[host], subnet="10.1.0.0/24"))
    template = VmTemplate(
        "debian", VmTemplateArgs(pool=pool, image={"url": "https://example.org/d.qcow2"})
    )
    args = VirtualMachineArgs(
        template=template,
        host=host,
        nics=[Nic(lan, ip="10.1.0.10")],
        data_disks=[{"name": "data", "size": "1GiB"}],
        cloud_init=CLOUD_INIT,
    )
    VirtualMachine(vm_name, args, opts)


def _children_of(requests: list[Request], component: str) -> list[Request]:
    parent = next(r.urn for r in requests if r.name == component and "VirtualMachine" in r.typ)
    return [r for r in requests if r.parent == parent]


def _run(opts: pulumi.ResourceOptions, vm_name: str = "web-1") -> list[Request]:
    with recording_requests() as requests:
        run_program(lambda: _vm(opts, vm_name))
    return requests


def test_every_child_of_a_vm_gets_protect_retain_and_timeouts():
    opts = pulumi.ResourceOptions(
        protect=True,
        retain_on_delete=True,
        custom_timeouts=pulumi.CustomTimeouts(create="30m", delete="5m"),
    )
    children = _children_of(_run(opts), "web-1")
    assert {c.name for c in children} == {
        "web-1",
        "web-1-root",
        "web-1-data",
        "web-1-nic0",
        "web-1-cloud-init",
    }
    for child in children:
        assert child.protect, child.name
        assert child.retain_on_delete, child.name
        assert child.custom_timeouts == {"create": "30m", "delete": "5m"}, child.name


def test_without_options_children_are_neither_protected_nor_retained():
    for child in _children_of(_run(pulumi.ResourceOptions()), "web-1"):
        assert not child.protect and not child.retain_on_delete, child.name
        assert child.ignore_changes == [] and child.custom_timeouts == {}, child.name


def test_ignore_changes_reaches_each_child_under_its_own_input_names():
    opts = pulumi.ResourceOptions(ignore_changes=["memory", "vcpus", "disk_size", "cloud_init"])
    children = {c.name: c for c in _children_of(_run(opts), "web-1")}
    assert children["web-1"].ignore_changes == ["memoryMib", "vcpus", "cloudInit"]
    assert children["web-1-root"].ignore_changes == ["capacityBytes"]
    assert children["web-1-cloud-init"].ignore_changes == ["userData"]
    assert children["web-1-data"].ignore_changes == []


def test_depends_on_of_the_component_reaches_its_children():
    def program() -> None:
        other = KvmHost("hv0", KvmHostArgs(uri="qemu+ssh://hv0/system", domain_type="qemu"))
        _vm(pulumi.ResourceOptions(depends_on=[other]))

    with recording_requests() as requests:
        run_program(program)
    facts = next(r.urn for r in requests if r.name == "hv0-facts")
    hv0 = next(r.urn for r in requests if r.name == "hv0")
    for child in _children_of(requests, "web-1"):
        assert hv0 in child.dependencies or facts in child.dependencies, child.name


def _engine_child_alias(child: Request, parent_name: str, parent_alias: str) -> str:
    """The alias the engine gives a child from its parent's alias: Pulumi's own rule
    (`pulumi.runtime.resource.inherited_child_alias`; the engine's `inheritedChildAlias`)."""

    async def resolve() -> str:
        alias = inherited_child_alias(child.name, parent_name, parent_alias, child.typ)
        return str(await alias.future())

    return asyncio.run(resolve())


def test_a_renamed_vm_with_an_alias_gives_each_child_its_old_urn():
    """Children are named after the VM (`web-1-root`) and parented to it, so the alias on
    the component maps every child of `web-one` to the URN it had under `web-1`."""
    before = _run(pulumi.ResourceOptions())
    old_vm = next(r.urn for r in before if r.name == "web-1" and "VirtualMachine" in r.typ)
    old_vm = old_vm.replace("pulumi:pulumi:Stack$", "")  # the engine keeps the stack out
    old_urns = {c.name: c.urn for c in _children_of(before, "web-1")}
    after = _run(pulumi.ResourceOptions(aliases=[pulumi.Alias(name="web-1")]), "web-one")
    renamed = next(r for r in after if r.name == "web-one" and "VirtualMachine" in r.typ)
    assert renamed.alias_urns == ["web-1@"]  # the component sent its alias to the engine
    children = _children_of(after, "web-one")
    assert len(children) == len(old_urns) == 5
    for child in children:
        old_name = child.name.replace("web-one", "web-1", 1)
        assert child.urn != old_urns[old_name]
        assert _engine_child_alias(child, "web-one", old_vm) == old_urns[old_name]


@pytest.mark.parametrize(
    ("ignored", "inputs", "renames", "expected"),
    [
        (["memory"], {"memoryMib"}, {"memory": "memoryMib"}, ["memoryMib"]),
        (["static_leases"], {"staticLeases"}, None, ["staticLeases"]),
        (["memoryMib"], {"memoryMib"}, None, ["memoryMib"]),
        (["graphics.password"], {"graphics"}, None, ["graphics.password"]),
        (["nothing_here"], {"memoryMib"}, None, []),
        (None, {"memoryMib"}, None, []),
    ],
)
def test_ignored_names_map_to_the_inputs_a_child_has(ignored, inputs, renames, expected):
    assert child_inputs_ignored(ignored, inputs, renames) == expected


def test_retain_on_delete_reaches_the_children_of_every_component():
    keep = pulumi.ResourceOptions(retain_on_delete=True)

    def program() -> None:
        host = KvmHost("hv1", KvmHostArgs(uri="qemu:///system", domain_type="qemu"), keep)
        pool = StoragePool("pool", StoragePoolArgs(hosts=[host], path="/srv/pool"), keep)
        NatNetwork("lan", NatNetworkArgs(hosts=[host], subnet="10.1.0.0/24"), keep)
        template = VmTemplate(
            "debian", VmTemplateArgs(pool=pool, image={"url": "https://example.org/d.qcow2"}), keep
        )
        template.base_volume(host)

    with recording_requests() as requests:
        run_program(program)
    children = [r for r in requests if r.parent and "dynamic" in r.typ]
    assert {c.name.split("@")[0].split("-")[0] for c in children} == {
        "hv1",
        "pool",
        "lan",
        "debian",
    }
    assert all(c.retain_on_delete for c in children), [c.name for c in children]
