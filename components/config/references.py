"""Checks across sections of the stack config: names that must resolve, and clashes.

Each message starts with the config path of the offending value, the way pydantic names
single-field errors, so every config error reads the same.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from components.config.claims import check_unique_objects
from components.config.networks import ADDRESSED, IpNetworkConfig, check_fixed_ip
from components.config.snapshot_policies import check_snapshot_policies
from components.spec.limits import effective_sizes, vm_size_problem

if TYPE_CHECKING:
    from components.config.stack import StackConfig


def place_vms(config: StackConfig) -> None:
    """Every VM has a host to run on (maintenance moves VMs; all hosts in it is an error)."""
    from components.hosts.placement import place_vms as place

    place(config)


def _known(names: Iterable[object]) -> str:
    listed = sorted(str(n) for n in names)
    return ", ".join(listed) if listed else "none declared"


def check_references(config: StackConfig, stack: str = "") -> None:
    """Raise ValueError for the first reference that does not resolve or clashes."""
    for section, items in (("pools", config.pools), ("networks", config.networks)):
        for name, item in items.items():
            listed = item.hosts or []
            for index, host in enumerate(listed):
                if host in listed[:index]:
                    raise ValueError(f"{section}.{name}.hosts[{index}]: {host!r} is listed twice")
            for host in item.hosts or []:
                if host not in config.hosts:
                    raise ValueError(
                        f"{section}.{name}.hosts: {host!r} is not a host "
                        f"(known: {_known(config.hosts)})"
                    )
    for name, template in config.templates.items():
        if template.pool not in config.pools:
            raise ValueError(
                f"templates.{name}.pool: {template.pool!r} is not a pool "
                f"(known: {_known(config.pools)})"
            )
    duplicates = [n for n, count in Counter(vm.name for vm in config.vms).items() if count > 1]
    if duplicates:
        raise ValueError(f"vms: duplicate VM names {sorted(duplicates)}")
    for index in range(len(config.vms)):
        _check_vm(config, index)
    _check_fixed_addresses(config)
    _check_overlaps(config)
    check_snapshot_policies(config)
    check_unique_objects(config, stack)
    place_vms(config)


def _check_vm(config: StackConfig, index: int) -> None:
    from components.machines.generations import profile

    vm = config.vms[index]
    where = f"vms[{index}]"
    if vm.host is None and len(config.hosts) > 1:
        raise ValueError(f"{where}.host: required when the stack has several hosts")
    if vm.host is not None and vm.host not in config.hosts:
        raise ValueError(f"{where}.host: {vm.host!r} is not a host (known: {_known(config.hosts)})")
    host = config.host_of(vm)
    template = config.templates.get(vm.template)
    if template is None:
        raise ValueError(
            f"{where}.template: {vm.template!r} is not a template "
            f"(known: {_known(config.templates)})"
        )
    if host not in config.hosts_of(config.pools[template.pool].hosts):
        raise ValueError(
            f"{where}: template {vm.template!r} uses pool {template.pool!r}, which is not "
            f"made on host {host!r}"
        )
    for nic_index, nic in enumerate(vm.nics):
        nic_where = f"{where}.nics[{nic_index}]"
        network = config.networks.get(nic.network)
        if network is None:
            raise ValueError(
                f"{nic_where}.network: {nic.network!r} is not a network "
                f"(known: {_known(config.networks)})"
            )
        if host not in config.hosts_of(network.hosts):
            raise ValueError(f"{nic_where}.network: {nic.network!r} is not made on host {host!r}")
        if nic.ip is not None:
            if not isinstance(network, ADDRESSED):
                raise ValueError(
                    f"{nic_where}.ip: a fixed IP needs a network whose DHCP libvirt runs "
                    f"(nat, isolated or routed); {nic.network!r} is {network.kind}"
                )
            check_fixed_ip(f"{nic_where}.ip", nic.ip, network.subnet, network.gateway_address())
    machine = template.machine or profile(template.generation).machine
    problem = vm_size_problem(effective_sizes(vm, template), machine)
    if problem is not None:
        raise ValueError(f"{where}.{problem}")


def _check_fixed_addresses(config: StackConfig) -> None:
    """A fixed IP is used once per network (leases included); a given MAC once overall."""
    taken: dict[tuple[str, ipaddress.IPv4Address], str] = {}
    macs: dict[str, str] = {}
    for name, network in config.networks.items():
        if isinstance(network, IpNetworkConfig):
            for lease_index, lease in enumerate(network.static_leases):
                taken[(name, lease.ip)] = f"networks.{name}.staticLeases[{lease_index}]"
                macs.setdefault(lease.mac, f"networks.{name}.staticLeases[{lease_index}]")
    for index, vm in enumerate(config.vms):
        for nic_index, nic in enumerate(vm.nics):
            where = f"vms[{index}].nics[{nic_index}]"
            if nic.ip is not None:
                other = taken.get((nic.network, nic.ip))
                if other is not None:
                    raise ValueError(f"{where}.ip: {nic.ip} is already used by {other}")
                taken[(nic.network, nic.ip)] = where
            if nic.mac is not None:
                if nic.mac in macs:
                    raise ValueError(f"{where}.mac: {nic.mac} is already used by {macs[nic.mac]}")
                macs[nic.mac] = where


def _check_overlaps(config: StackConfig) -> None:
    """Two of our networks on one host must not share addresses or a bridge name."""
    for host in config.hosts:
        seen: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
        bridges: dict[str, str] = {}
        for name, network in config.networks.items():
            if host not in config.hosts_of(network.hosts) or not isinstance(
                network, IpNetworkConfig
            ):
                continue
            for other, subnet in seen:
                if network.subnet.overlaps(subnet):
                    raise ValueError(
                        f"networks.{name}.subnet: {network.subnet} overlaps network {other!r} "
                        f"({subnet}) on host {host!r}"
                    )
            seen.append((name, network.subnet))
            if network.ipv6 is not None:
                for other, subnet in seen:
                    if subnet.version == 6 and network.ipv6.subnet.overlaps(subnet):
                        raise ValueError(
                            f"networks.{name}.ipv6.subnet: {network.ipv6.subnet} overlaps "
                            f"network {other!r} ({subnet}) on host {host!r}"
                        )
                seen.append((name, network.ipv6.subnet))
            if network.bridge_name is not None:
                if network.bridge_name in bridges:
                    raise ValueError(
                        f"networks.{name}.bridgeName: {network.bridge_name!r} is also asked for "
                        f"by network {bridges[network.bridge_name]!r}"
                    )
                bridges[network.bridge_name] = name
