"""Build a stack's estate (hosts, pools, networks, templates, VMs) from its config.

`__main__.py` calls `build_estate(load_stack_config())`; the offline plan and the tests call
the same function, so what they show is what `pulumi up` applies.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import pulumi

from components.base.call_forms import fields_of
from components.config.networks import (
    BridgedNetworkConfig,
    IsolatedNetworkConfig,
    NatNetworkConfig,
    NetworkConfig,
    RoutedNetworkConfig,
)
from components.config.stack import StackConfig
from components.hosts.kvm_host import KvmHost, KvmHostArgs
from components.hosts.move_notices import announce_moves
from components.hosts.placement import place_vms
from components.hosts.storage_pool import StoragePool, StoragePoolArgs
from components.machines.virtual_machine import Nic, VirtualMachine, VirtualMachineArgs
from components.machines.vm_template import VmTemplate, VmTemplateArgs
from components.networks.base import HostNetwork
from components.networks.bridged import BridgedNetwork, BridgedNetworkArgs
from components.networks.existing import ExistingNetwork, ExistingNetworkArgs
from components.networks.isolated import IsolatedNetwork, IsolatedNetworkArgs
from components.networks.nat import NatNetwork, NatNetworkArgs
from components.networks.routed import RoutedNetwork, RoutedNetworkArgs
from components.snapshots.policy import SnapshotPolicy, SnapshotPolicyArgs


@dataclass
class Estate:
    """Every component the stack made, by config name."""

    hosts: dict[str, KvmHost] = field(default_factory=dict)
    pools: dict[str, StoragePool] = field(default_factory=dict)
    networks: dict[str, HostNetwork] = field(default_factory=dict)
    templates: dict[str, VmTemplate] = field(default_factory=dict)
    snapshot_policies: dict[str, SnapshotPolicy] = field(default_factory=dict)
    vms: dict[str, VirtualMachine] = field(default_factory=dict)


def build_network(
    name: str, config: NetworkConfig, hosts: list[KvmHost], secret: bool = False
) -> HostNetwork:
    """The network component for one `networks.<name>` entry, by its kind."""
    fields = {**fields_of(config, "hosts"), "hosts": hosts, "secret": secret}
    if isinstance(config, NatNetworkConfig):
        return NatNetwork(name, NatNetworkArgs(**fields))
    if isinstance(config, IsolatedNetworkConfig):
        return IsolatedNetwork(name, IsolatedNetworkArgs(**fields))
    if isinstance(config, RoutedNetworkConfig):
        return RoutedNetwork(name, RoutedNetworkArgs(**fields))
    if isinstance(config, BridgedNetworkConfig):
        return BridgedNetwork(name, BridgedNetworkArgs(**fields))
    return ExistingNetwork(name, ExistingNetworkArgs(**fields))


def build_estate(config: StackConfig, secret: Collection[str] = ()) -> Estate:
    """Register the components for `config`, in dependency order; the components of the
    `secret` sections (see `components.config.load.secret_sections`) register their
    resources' inputs as secrets."""
    estate = Estate()
    for name, host in config.hosts.items():
        estate.hosts[name] = KvmHost(name, KvmHostArgs(**fields_of(host), secret="hosts" in secret))
    for name, pool in config.pools.items():
        hosts = [estate.hosts[h] for h in config.hosts_of(pool.hosts)]
        estate.pools[name] = StoragePool(
            name, StoragePoolArgs(**fields_of(pool, "hosts"), hosts=hosts, secret="pools" in secret)
        )
    for name, network in config.networks.items():
        hosts = [estate.hosts[h] for h in config.hosts_of(network.hosts)]
        estate.networks[name] = build_network(name, network, hosts, "networks" in secret)
    for name, template in config.templates.items():
        estate.templates[name] = VmTemplate(
            name,
            VmTemplateArgs(
                **fields_of(template, "pool"),
                pool=estate.pools[template.pool],
                secret="templates" in secret,
            ),
        )
    for name, policy in config.snapshot_policies.items():
        estate.snapshot_policies[name] = SnapshotPolicy(
            name, SnapshotPolicyArgs(**fields_of(policy), secret="snapshotPolicies" in secret)
        )
    placement, moves = place_vms(config)
    for move in moves:
        pulumi.log.info(f"{move.vm}: host {move.away_from} is in maintenance; placed on {move.to}")
    for vm in config.vms:
        settings = fields_of(vm, "name", "template", "host", "nics", "snapshot_policy")
        args = VirtualMachineArgs(
            **settings,
            template=estate.templates[vm.template],
            host=estate.hosts[placement[vm.name]],
            nics=[
                Nic(estate.networks[n.network], ip=n.ip, mac=n.mac, model=n.model) for n in vm.nics
            ],
            snapshot_policy=estate.snapshot_policies.get(vm.snapshot_policy or ""),
            retain_data_disks=config.defaults.retain_data_disks,
            secret="vms" in secret,
        )
        estate.vms[vm.name] = VirtualMachine(vm.name, args)
    announce_moves(estate.vms, estate.hosts.values())
    return estate


def export_estate(estate: Estate) -> None:
    """Stack outputs an operator looks for after `pulumi up`."""
    pulumi.export(
        "vms",
        {
            name: {
                "name": vm.domain_name,
                "uuid": vm.uuid,
                "host": vm.host.host_name,
                "macAddresses": vm.mac_addresses,
                "ipAddresses": vm.ip_addresses,
                "leasedAddresses": vm.domain.ip_addresses,
                "pendingRestart": vm.domain.pending_restart,
            }
            for name, vm in estate.vms.items()
        },
    )
    pulumi.export(
        "networks",
        {
            name: {"name": n.network_name, "kind": n.kind, "subnet": str(n.subnet or "")}
            for name, n in estate.networks.items()
        },
    )
    pulumi.export(
        "pools", {name: {"name": p.pool_name, "path": p.path} for name, p in estate.pools.items()}
    )
    pulumi.export("hosts", {name: h.uri for name, h in estate.hosts.items()})
