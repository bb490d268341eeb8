"""A DHCP reservation (static lease) a VM's fixed IP puts on a libvirt network.

It is the network's `<ip><dhcp><host mac ip name/>` entry, but owned by the VM: it comes
and goes with the VM and changes with virNetworkUpdate, never by redefining the network.
`networkUuid` ties it to one incarnation of the network, so a replaced network gets the
reservation again.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import model_validator

from components.spec.xmlbind import X, XmlModel

_MAC_RE = re.compile(r"([0-9a-f]{2}:){5}[0-9a-f]{2}")


class DhcpReservationSpec(XmlModel):
    """`<host mac=… ip=… name=…/>` on network `network`."""

    xml_tag = "host"

    mac: Annotated[str, X("@mac")]
    ip: Annotated[str, X("@ip")]
    name: Annotated[str | None, X("@name")] = None
    # Where the entry goes (not part of the entry's XML).
    network: str
    network_uuid: str = ""

    @model_validator(mode="after")
    def _mac_is_lowercase_hex(self) -> DhcpReservationSpec:
        if not _MAC_RE.fullmatch(self.mac):
            raise ValueError(f"mac {self.mac!r} is not a MAC address like 52:54:00:12:34:56")
        return self
