"""NatNetwork: a libvirt NAT network (bridge + dnsmasq + masquerading) on each of its hosts."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pulumi
from pydantic import ValidationError

from components.config.stack import NetworkConfig
from components.kvm_host import KvmHost, component_error
from components.naming import libvirt_name, ownership
from components.providers.resources import LibvirtNetwork
from components.spec.changes import CONNECTION_KEY
from components.spec.network import DhcpRange, NetworkIp, NetworkSpec


def nat_network_spec(name: str, config: NetworkConfig, owner: dict[str, str]) -> NetworkSpec:
    """The libvirt network a NatNetwork config asks for."""
    ranges = (
        [DhcpRange(start=str(config.dhcp.start), end=str(config.dhcp.end))] if config.dhcp else []
    )
    ip = NetworkIp(
        address=str(config.gateway_address()),
        prefix=config.subnet.prefixlen,
        dhcp_ranges=ranges,
    )
    return NetworkSpec.model_validate(
        {
            "name": name,
            "ownership": owner,
            "forwardMode": "nat",
            "bridgeName": config.bridge_name,
            "ips": [ip.model_dump(by_alias=True, exclude_none=True)],
            "autostart": config.autostart,
        }
    )


class NatNetwork(pulumi.ComponentResource):
    """Guests get addresses by DHCP and reach out through the host's address (NAT)."""

    def __init__(
        self,
        name: str,
        hosts: Sequence[KvmHost],
        args: NetworkConfig | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: object,
    ) -> None:
        try:
            config = args or NetworkConfig.model_validate(kwargs)
        except ValidationError as err:
            raise component_error("NatNetwork", name, err) from None
        if not hosts:
            raise ValueError(f"NatNetwork {name!r}: needs at least one host")
        super().__init__("kvm:index:NatNetwork", name, None, opts)
        self.network_name = libvirt_name(name, config.libvirt_name)
        self.subnet: ipaddress.IPv4Network = config.subnet
        spec = nat_network_spec(self.network_name, config, ownership(name))
        self._instances: dict[str, LibvirtNetwork] = {}
        for host in hosts:
            props = {CONNECTION_KEY: host.uri, **spec.model_dump(by_alias=True, exclude_none=True)}
            self._instances[host.host_name] = LibvirtNetwork(
                f"{name}@{host.host_name}", props, pulumi.ResourceOptions(parent=self)
            )
        self.register_outputs({"name": self.network_name, "subnet": str(config.subnet)})

    def on(self, host: KvmHost) -> LibvirtNetwork:
        """The network's instance on `host`; raise if it is not made there."""
        try:
            return self._instances[host.host_name]
        except KeyError:
            raise ValueError(
                f"network {self.network_name!r} is not made on host {host.host_name!r}"
            ) from None
