"""Stack-config models of networks: NAT, isolated, routed, bridged (or macvtap), existing.

`kind` selects the model (default `nat`). The address checks here are what an operator
gets wrong most: a DHCP range or lease outside the subnet, on the gateway or broadcast
address, reversed, or the same address or MAC twice.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Annotated, Any, Literal, Self

from pydantic import Discriminator, Field, Tag, model_validator

from components.config.base import ConfigModel
from components.config.types import BridgeName, Ipv4Address, Ipv4Subnet, LibvirtName

MacAddress = Annotated[str, Field(pattern=r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")]


class DhcpRangeConfig(ConfigModel):
    """Addresses handed out dynamically: `start` to `end`, inclusive."""

    start: Ipv4Address
    end: Ipv4Address


class StaticLeaseConfig(ConfigModel):
    """A DHCP reservation declared on the network itself (VMs' fixed IPs add their own)."""

    mac: MacAddress
    ip: Ipv4Address
    name: str | None = None


class DnsHostConfig(ConfigModel):
    """A DNS record the network's dnsmasq answers: `hostnames` → `ip`."""

    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    hostnames: list[str] = Field(min_length=1)


class Ipv6Config(ConfigModel):
    """An optional IPv6 subnet next to the IPv4 one (router advertisements by libvirt)."""

    subnet: ipaddress.IPv6Network
    gateway: ipaddress.IPv6Address | None = None

    def gateway_address(self) -> ipaddress.IPv6Address:
        """The host's IPv6 address on the network: given, or the subnet's first address."""
        return self.gateway or next(self.subnet.hosts())

    @model_validator(mode="after")
    def _gateway_inside(self) -> Self:
        if self.gateway_address() not in self.subnet:
            raise ValueError(f"ipv6 gateway {self.gateway} is outside subnet {self.subnet}")
        return self


class RouteConfig(ConfigModel):
    """A static route the host adds for a routed network: `subnet` via `gateway`."""

    subnet: Ipv4Subnet
    gateway: Ipv4Address


class PlacedNetwork(ConfigModel):
    """Where a network is made: `hosts` (default: every host), and its libvirt name."""

    hosts: list[str] | None = None
    libvirt_name: LibvirtName | None = None
    adopt: bool = False
    """Take over an existing libvirt object of this name (made by another tool or by hand):
    our settings are merged into it, devices we do not model are kept."""


def is_host_address(address: ipaddress.IPv4Address, subnet: ipaddress.IPv4Network) -> bool:
    """Inside the subnet and neither its network nor its broadcast address."""
    return address in subnet and address not in (subnet.network_address, subnet.broadcast_address)


class IpNetworkConfig(PlacedNetwork):
    """A network whose addresses libvirt manages (bridge, gateway, dnsmasq)."""

    subnet: Ipv4Subnet
    gateway: Ipv4Address | None = None
    dhcp: DhcpRangeConfig | None = None
    static_leases: list[StaticLeaseConfig] = Field(default_factory=list)
    ipv6: Ipv6Config | None = None
    dns_domain: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.-]+$")
    dns_hosts: list[DnsHostConfig] = Field(default_factory=list)
    forwarders: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = Field(default_factory=list)
    mtu: int | None = Field(default=None, ge=68, le=65535)
    bridge_name: BridgeName | None = None
    autostart: bool = True

    def gateway_address(self) -> ipaddress.IPv4Address:
        """The host's address on the network: given, or the subnet's first address."""
        return self.gateway or next(self.subnet.hosts())

    @model_validator(mode="after")
    def _addresses_fit(self) -> Self:
        subnet = self.subnet
        gateway = self.gateway_address()
        if not is_host_address(gateway, subnet):
            raise ValueError(f"gateway {gateway} is not a host address of subnet {subnet}")
        if self.dhcp is not None:
            start, end = self.dhcp.start, self.dhcp.end
            for label, address in (("dhcp.start", start), ("dhcp.end", end)):
                if address not in subnet:
                    raise ValueError(f"{label} {address} is outside subnet {subnet}")
                if not is_host_address(address, subnet):
                    raise ValueError(f"{label} {address} is the network or broadcast address")
            if start > end:
                raise ValueError(f"dhcp range is reversed: start {start} is after end {end}")
            if start <= gateway <= end:
                raise ValueError(f"dhcp range {start}-{end} contains the gateway {gateway}")
        for index, lease in enumerate(self.static_leases):
            check_fixed_ip(f"staticLeases[{index}].ip", lease.ip, subnet, gateway)
        for label, values in (
            ("ip", [lease.ip for lease in self.static_leases]),
            ("mac", [lease.mac for lease in self.static_leases]),
        ):
            twice = sorted(str(v) for v, n in Counter(values).items() if n > 1)
            if twice:
                raise ValueError(f"staticLeases: the same {label} is used twice: {twice}")
        return self


def check_fixed_ip(
    where: str,
    ip: ipaddress.IPv4Address,
    subnet: ipaddress.IPv4Network,
    gateway: ipaddress.IPv4Address,
) -> None:
    """Raise unless `ip` can be handed to a guest on `subnet`."""
    if ip not in subnet:
        raise ValueError(f"{where} {ip} is outside subnet {subnet}")
    if not is_host_address(ip, subnet):
        raise ValueError(f"{where} {ip} is the network or broadcast address of {subnet}")
    if ip == gateway:
        raise ValueError(f"{where} {ip} is the gateway's address")


class NatNetworkConfig(IpNetworkConfig):
    """NAT: guests reach out through the host's address (masquerading)."""

    kind: Literal["nat"] = "nat"


class IsolatedNetworkConfig(IpNetworkConfig):
    """No forwarding: guests reach each other and the host only."""

    kind: Literal["isolated"] = "isolated"

    @model_validator(mode="after")
    def _no_forwarders(self) -> Self:
        if self.forwarders:
            raise ValueError("forwarders: an isolated network forwards no DNS queries")
        return self


class RoutedNetworkConfig(IpNetworkConfig):
    """Routed: guests' addresses are routed (not masqueraded) through the host."""

    kind: Literal["routed"] = "routed"
    routes: list[RouteConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _gateways_reachable(self) -> Self:
        for index, route in enumerate(self.routes):
            if route.gateway not in self.subnet:
                raise ValueError(
                    f"routes[{index}].gateway {route.gateway} is not on subnet {self.subnet}"
                )
        return self


class BridgedNetworkConfig(PlacedNetwork):
    """Guests on the host's LAN: an existing host bridge (`bridge: br0`), or macvtap on a
    host NIC (`interface: eth0`, `mode`)."""

    kind: Literal["bridged"] = "bridged"
    bridge: BridgeName | None = None
    interface: BridgeName | None = None
    mode: Literal["bridge", "vepa", "private", "passthrough"] = "bridge"
    autostart: bool = True

    @model_validator(mode="after")
    def _one_uplink(self) -> Self:
        if (self.bridge is None) == (self.interface is None):
            raise ValueError("a bridged network needs exactly one of bridge and interface")
        if self.bridge is not None and self.mode != "bridge":
            raise ValueError(f"mode {self.mode!r} is for macvtap (interface), not a bridge")
        return self


class ExistingNetworkConfig(PlacedNetwork):
    """A network the stack uses but does not own (e.g. libvirt's `default`)."""

    kind: Literal["existing"] = "existing"
    name: LibvirtName


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("kind", "nat"))
    return str(getattr(value, "kind", "nat"))


NetworkConfig = Annotated[
    Annotated[NatNetworkConfig, Tag("nat")]
    | Annotated[IsolatedNetworkConfig, Tag("isolated")]
    | Annotated[RoutedNetworkConfig, Tag("routed")]
    | Annotated[BridgedNetworkConfig, Tag("bridged")]
    | Annotated[ExistingNetworkConfig, Tag("existing")],
    Discriminator(_kind),
]
"""Any network config; `kind` picks the model (nat when left out)."""

ADDRESSED = (NatNetworkConfig, IsolatedNetworkConfig, RoutedNetworkConfig)
"""Kinds whose addresses (and so VMs' fixed IPs) libvirt manages."""

NETWORK_KINDS = tuple(
    str(model.model_fields["kind"].default)
    for model in (*ADDRESSED, BridgedNetworkConfig, ExistingNetworkConfig)
)
"""The values of `kind`; pydantic names the chosen one in error paths, which we drop."""
