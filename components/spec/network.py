"""A libvirt virtual network as a typed spec, and its XML.

Shaped for every kind an operator builds: NAT (`forwardMode='nat'`), routed (`route`),
isolated (no forward), bridged onto an existing host bridge (`bridge` + `hostBridge`) and
macvtap on a host NIC (`private`/`vepa`/`passthrough` with `forwardDev`). Static DHCP
leases and DNS host records are lists, so they can be changed in place with
virNetworkUpdate instead of restarting the network.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from components.spec.ownership import OWNER_TAG, Ownership
from components.spec.xmlbind import X, XmlModel

ForwardMode = Literal["nat", "route", "bridge", "private", "vepa", "passthrough", "open"]


class DhcpRange(XmlModel):
    """Addresses dnsmasq hands out dynamically."""

    start: Annotated[str, X("@start")]
    end: Annotated[str, X("@end")]


class DhcpHost(XmlModel):
    """A static DHCP lease (reservation): this MAC always gets this IP."""

    mac: Annotated[str, X("@mac")]
    ip: Annotated[str, X("@ip")]
    name: Annotated[str | None, X("@name")] = None


class NetworkIp(XmlModel):
    """One address family on the network: the host's gateway address, prefix and DHCP."""

    family: Annotated[Literal["ipv4", "ipv6"] | None, X("@family")] = None
    address: Annotated[str, X("@address")]
    prefix: Annotated[int, X("@prefix")]
    dhcp_ranges: Annotated[list[DhcpRange], X("dhcp/range")] = Field(default_factory=list)
    dhcp_hosts: Annotated[list[DhcpHost], X("dhcp/host")] = Field(default_factory=list)

    @field_validator("family")
    @classmethod
    def _ipv4_is_the_default(cls, family: str | None) -> str | None:
        """`family='ipv4'` is libvirt's default, the same address as no family (as other
        tools, e.g. terraform-provider-libvirt, write it): one spelling, so it is no drift."""
        return None if family == "ipv4" else family

    def interface(self) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
        """The gateway address with its subnet."""
        return ipaddress.ip_interface(f"{self.address}/{self.prefix}")


class DnsHost(XmlModel):
    """A DNS A/AAAA record served by the network's dnsmasq."""

    ip: Annotated[str, X("@ip")]
    hostnames: Annotated[list[str], X("hostname")]


class DnsForwarder(XmlModel):
    """An upstream DNS server for names the network does not know."""

    addr: Annotated[str, X("@addr")]


class StaticRoute(XmlModel):
    """A route the host adds for a routed network: `address/prefix` via `gateway`."""

    family: Annotated[Literal["ipv4", "ipv6"] | None, X("@family")] = None
    address: Annotated[str, X("@address")]
    prefix: Annotated[int, X("@prefix")]
    gateway: Annotated[str, X("@gateway")]


class NetworkSpec(XmlModel):
    """What we ask libvirt for a network, plus autostart (kept outside the XML)."""

    xml_tag = "network"

    name: Annotated[str, X("name")]
    ownership: Annotated[Ownership | None, X(f"metadata/{OWNER_TAG}")] = None
    forward_mode: Annotated[ForwardMode | None, X("forward/@mode")] = None
    forward_dev: Annotated[str | None, X("forward/@dev")] = None
    bridge_name: Annotated[str | None, X("bridge/@name")] = None
    stp: Annotated[bool | None, X("bridge/@stp", true="on", false="off")] = None
    mtu: Annotated[int | None, X("mtu/@size")] = None
    domain_name: Annotated[str | None, X("domain/@name")] = None
    dns_forwarders: Annotated[list[DnsForwarder], X("dns/forwarder")] = Field(default_factory=list)
    dns_hosts: Annotated[list[DnsHost], X("dns/host")] = Field(default_factory=list)
    ips: Annotated[list[NetworkIp], X("ip")] = Field(default_factory=list)
    routes: Annotated[list[StaticRoute], X("route")] = Field(default_factory=list)
    autostart: bool = True

    @model_validator(mode="after")
    def _bridge_mode_has_bridge(self) -> NetworkSpec:
        if self.forward_mode == "bridge" and not self.bridge_name and not self.forward_dev:
            raise ValueError("a bridged network needs bridgeName (an existing host bridge)")
        return self
