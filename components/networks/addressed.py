"""Networks whose addresses libvirt manages: NAT, isolated and routed.

libvirt makes the bridge, gives the host the gateway address and runs dnsmasq (DHCP
range, static leases, DNS records, forwarders). The three kinds differ only in how
traffic leaves the network, so they share this class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, overload

import pulumi

from components.base.call_forms import call_form
from components.base.child_options import child_options
from components.base.secret_inputs import secret_inputs
from components.config.errors import ComponentArgumentError
from components.config.naming import adopting, libvirt_name, ownership
from components.config.networks import IpNetworkConfig, RoutedNetworkConfig
from components.hosts.inspection import LiveNetwork
from components.hosts.kvm_host import KvmHost
from components.networks.base import HostNetwork, OnHosts, hosts_first_form, inspect_host
from components.providers.resources import LibvirtNetwork
from components.spec.changes import CONNECTION_KEY
from components.spec.network import (
    DhcpHost,
    DhcpRange,
    DnsForwarder,
    DnsHost,
    NetworkIp,
    NetworkSpec,
    StaticRoute,
)


def addressed_network_spec(
    name: str, config: IpNetworkConfig, forward_mode: str | None, owner: dict[str, str]
) -> NetworkSpec:
    """The libvirt network an addressed-network config asks for."""
    ranges = (
        [DhcpRange(start=str(config.dhcp.start), end=str(config.dhcp.end))] if config.dhcp else []
    )
    leases = [DhcpHost(mac=x.mac, ip=str(x.ip), name=x.name) for x in config.static_leases]
    ips = [
        NetworkIp(
            address=str(config.gateway_address()),
            prefix=config.subnet.prefixlen,
            dhcp_ranges=ranges,
            dhcp_hosts=leases,
        )
    ]
    if config.ipv6 is not None:
        ips.append(
            NetworkIp(
                family="ipv6",
                address=str(config.ipv6.gateway_address()),
                prefix=config.ipv6.subnet.prefixlen,
            )
        )
    routes = []
    if isinstance(config, RoutedNetworkConfig):
        routes = [
            StaticRoute(
                address=str(r.subnet.network_address),
                prefix=r.subnet.prefixlen,
                gateway=str(r.gateway),
            )
            for r in config.routes
        ]
    return NetworkSpec(
        name=name,
        ownership=owner,
        forward_mode=forward_mode,
        bridge_name=config.bridge_name,
        mtu=config.mtu,
        domain_name=config.dns_domain,
        dns_forwarders=[DnsForwarder(addr=str(f)) for f in config.forwarders],
        dns_hosts=[DnsHost(ip=str(h.ip), hostnames=h.hostnames) for h in config.dns_hosts],
        ips=ips,
        routes=routes,
        autostart=config.autostart,
    )


class AddressedArgs(OnHosts, IpNetworkConfig):
    """What the args of NatNetwork, IsolatedNetwork and RoutedNetwork share."""


class AddressedNetwork(HostNetwork):
    """Base of NatNetwork, IsolatedNetwork and RoutedNetwork."""

    args_type: ClassVar[type[AddressedArgs]]
    """The kind's args class: its config model with the hosts as components."""
    forward_mode: ClassVar[str | None]
    type_token: ClassVar[str]

    @overload
    def __init__(
        self, name: str, args: AddressedArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        hosts: Sequence[KvmHost],
        args: IpNetworkConfig | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None: ...

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        kind = self.type_token.rsplit(":", 1)[-1]
        config, opts = call_form(
            kind,
            name,
            self.args_type,
            hosts_first_form(kind, self.args_type),
            positional=args,
            keywords=kwargs,
        )
        hosts: list[KvmHost] = config.hosts
        super().__init__(
            self.type_token, name, hosts, libvirt_name(name, config.libvirt_name), opts
        )
        self.config = config
        self.subnet = config.subnet
        self.gateway = config.gateway_address()
        for lease in config.static_leases:
            self._reserved[lease.ip] = f"staticLeases ({lease.mac})"
        spec = addressed_network_spec(self.network_name, config, self.forward_mode, ownership(name))
        props = spec.model_dump(by_alias=True, exclude_none=True)
        for host in hosts:
            self._check_overlaps(kind, host)
            inputs = secret_inputs(
                {CONNECTION_KEY: host.uri, **props, **adopting(config.adopt)},
                secret=config.secret,
                host_secret=host.config.secret,
            )
            self._instances[host.host_name] = LibvirtNetwork(
                f"{name}@{host.host_name}", inputs, child_options(self, opts, inputs)
            )
        self.register_outputs({"name": self.network_name, "subnet": str(config.subnet)})

    def _check_overlaps(self, kind: str, host: KvmHost) -> None:
        """Fail preview when a network this stack does not manage overlaps our subnet."""
        live = inspect_host(self, host, lambda i: i.networks(host.uri))
        for network in live or []:
            if network.name == self.network_name or _ours(network):
                continue
            for subnet in network.subnets:
                if subnet.version == 4 and subnet.overlaps(self.config.subnet):
                    raise ComponentArgumentError(
                        f"{kind} {self.logical_name!r}: subnet {self.config.subnet} overlaps "
                        f"network {network.name!r} ({subnet}) on host {host.host_name!r}, "
                        "which this stack does not manage"
                    )


def _ours(network: LiveNetwork) -> bool:
    return network.owner is not None and (network.owner.project, network.owner.stack) == (
        pulumi.get_project(),
        pulumi.get_stack(),
    )
