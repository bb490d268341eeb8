"""Field types shared by the stack config models: sizes, names, URIs, subnets.

Each parses what an operator writes and fails with a message that names the value and
says what would be accepted; the model adds the config path (`vms[1].memory`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

from components.config.host_uri import check_host_uri
from components.spec.limits import MAX_DISK_BYTES, MAX_MEMORY_MIB
from components.spec.names import check_bridge_name, check_libvirt_name
from components.spec.sizes import format_size, parse_mib, parse_size
from components.spec.text import (
    check_cpu_model,
    check_host_or_ip,
    check_hostname,
    check_line,
    check_listen_address,
    check_mac,
    check_machine_type,
)


def _memory_mib(value: object) -> int:
    mib = parse_mib(value)
    if mib > MAX_MEMORY_MIB:
        raise ValueError(
            f"{value!r} is more memory than a KVM guest can have (at most "
            f"{format_size(MAX_MEMORY_MIB * 1024**2)})"
        )
    return mib


def _disk_bytes(value: object) -> int:
    size = parse_size(value)
    if size > MAX_DISK_BYTES:
        raise ValueError(
            f"{value!r} is larger than a disk image can be (at most {format_size(MAX_DISK_BYTES)})"
        )
    return size


def _text(check: Callable[[str], str]) -> Callable[[object], str]:
    """A BeforeValidator running `check` on text only (numbers, lists… are refused)."""

    def validate(value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text (quote it in YAML)")
        return check(value)

    return validate


def _ipv4_network(value: object) -> ipaddress.IPv4Network:
    if isinstance(value, ipaddress.IPv4Network):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a CIDR subnet like 10.70.0.0/24")
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
    if isinstance(value, ipaddress.IPv4Address):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an IPv4 address (write it as text, e.g. 10.0.0.5)")
    try:
        return ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address") from None


def _ip(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an IP address (write it as text)")
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 or IPv6 address") from None


def _ipv6_network(value: object) -> ipaddress.IPv6Network:
    if isinstance(value, ipaddress.IPv6Network):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an IPv6 subnet like fd00:70::/64")
    try:
        return ipaddress.IPv6Network(value, strict=True)
    except ValueError as err:
        raise ValueError(f"{value!r} is not an IPv6 subnet like fd00:70::/64 ({err})") from None


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
IpAddress = Annotated[ipaddress.IPv4Address | ipaddress.IPv6Address, BeforeValidator(_ip)]
Ipv6Subnet = Annotated[ipaddress.IPv6Network, BeforeValidator(_ipv6_network)]
LibvirtName = Annotated[str, BeforeValidator(check_libvirt_name)]
BridgeName = Annotated[str, BeforeValidator(check_bridge_name)]
HostName = Annotated[str, BeforeValidator(_text(check_hostname))]
HostOrIp = Annotated[str, BeforeValidator(_text(check_host_or_ip))]
ListenAddress = Annotated[str, BeforeValidator(_text(check_listen_address))]
MacAddress = Annotated[str, BeforeValidator(_text(lambda v: check_mac(v.lower())))]
"""A unicast MAC (written in any case, kept lowercase)."""
MachineType = Annotated[str, BeforeValidator(_text(check_machine_type))]
CpuModel = Annotated[str, BeforeValidator(_text(check_cpu_model))]
Line = Annotated[str, BeforeValidator(_text(check_line))]
"""One line of free text (escaped in XML; control characters refused)."""
KernelCmdline = Annotated[
    str, BeforeValidator(_text(lambda v: check_line(v, "a kernel command line", 2048)))
]
"""x86 Linux takes at most 2048 bytes of command line (COMMAND_LINE_SIZE)."""
