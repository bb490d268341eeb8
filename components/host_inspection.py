"""Read-only looks at a host at preview time: its interfaces and the networks on it.

Components use them to fail `pulumi preview` on what would only break at apply (a bridge
that does not exist, a subnet that overlaps a network someone else runs on the host).
An unreachable host is a warning, never an error; the offline plan and unit tests turn
inspection off (`set_host_inspector(None)`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from components.spec.ownership import OWNER_TAG, Ownership

Subnet = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class LiveNetwork:
    """A network defined on a host, with its subnets and ownership tag (if any)."""

    name: str
    subnets: tuple[Subnet, ...]
    owner: Ownership | None


class HostInspector(Protocol):
    """What components may ask a host at preview."""

    def interfaces(self, uri: str) -> set[str]:
        """Names of the host's network interfaces (bridges, NICs)."""
        ...

    def networks(self, uri: str) -> list[LiveNetwork]:
        """libvirt networks defined on the host."""
        ...


def live_network(xml: str) -> LiveNetwork:
    """Parse a network's XML into name, subnets and owner."""
    root = etree.fromstring(xml.encode())
    subnets: list[Subnet] = []
    for ip in root.findall("ip"):
        address, prefix = ip.get("address"), ip.get("prefix") or ip.get("netmask")
        if address and prefix:
            subnets.append(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    tag = root.find(f"metadata/{OWNER_TAG}")
    owner = Ownership.from_element(tag) if tag is not None else None
    return LiveNetwork(root.findtext("name") or "", tuple(subnets), owner)


class LibvirtInspector:
    """Asks the host's libvirt (through the shared connection cache)."""

    def interfaces(self, uri: str) -> set[str]:
        from components.providers.connection import connect

        return {str(i.name()) for i in connect(uri).listAllInterfaces(0)}

    def networks(self, uri: str) -> list[LiveNetwork]:
        from components.providers.connection import connect

        return [live_network(n.XMLDesc(0)) for n in connect(uri).listAllNetworks(0)]


_inspector: HostInspector | None = LibvirtInspector()


def set_host_inspector(inspector: HostInspector | None) -> None:
    """Replace the host inspector; None turns preview-time host checks off."""
    global _inspector  # noqa: PLW0603 - one process-wide switch, set by tests and the plan tool
    _inspector = inspector


def host_inspector() -> HostInspector | None:
    """The current inspector (None when host checks are off)."""
    return _inspector
