"""Field types shared by the stack config models: sizes, names, URIs, subnets.

Each parses what an operator writes and fails with a message that names the value and
says what would be accepted; the model adds the config path (`vms[1].memory`).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

from components.config.host_uri import check_host_uri
from components.spec.names import check_bridge_name, check_libvirt_name
from components.spec.sizes import format_size, parse_mib, parse_size


def _memory_mib(value: object) -> int:
    return parse_mib(value)


def _disk_bytes(value: object) -> int:
    return parse_size(value)


def _ipv4_network(value: object) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.ip_network(str(value), strict=True)
    except ValueError as err:
        raise ValueError(f"{value!r} is not a CIDR subnet like 10.70.0.0/24 ({err})") from err
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError(f"{value!r} is not an IPv4 subnet")
    if network.prefixlen > 30:
        raise ValueError(f"{value!r} is too small for a gateway and guests (use /30 or larger)")
    return network


def _ipv4(value: object) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(str(value))
    except ValueError as err:
        raise ValueError(f"{value!r} is not an IPv4 address") from err


MemoryMiB = Annotated[
    int, BeforeValidator(_memory_mib), PlainSerializer(lambda v: format_size(v * 1024**2))
]
"""A memory size; plain numbers are MiB ("2GiB", "2048MiB", 2048)."""

DiskBytes = Annotated[int, BeforeValidator(_disk_bytes), PlainSerializer(format_size)]
"""A disk size; plain numbers are bytes ("10GiB", "512MiB")."""

LibvirtUri = Annotated[str, BeforeValidator(check_host_uri)]
"""A host URI of one of the kinds `components.config.host_uri` accepts."""
Ipv4Subnet = Annotated[ipaddress.IPv4Network, BeforeValidator(_ipv4_network)]
Ipv4Address = Annotated[ipaddress.IPv4Address, BeforeValidator(_ipv4)]
LibvirtName = Annotated[str, BeforeValidator(lambda v: check_libvirt_name(str(v)))]
BridgeName = Annotated[str, BeforeValidator(lambda v: check_bridge_name(str(v)))]
