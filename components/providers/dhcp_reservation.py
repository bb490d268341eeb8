"""The DhcpReservation dynamic provider: a VM's fixed IP as a static lease on a network.

Added, changed and removed with virNetworkUpdate on the live and persistent network
together: the network is never restarted and other guests never notice. The reservation
is found by MAC on the network incarnation it was made on (`networkUuid`); once that
network is gone, so is the reservation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libvirt
from lxml import etree

from components.providers.base import LibvirtProvider, Props, ProviderError
from components.providers.network import lookup_network, network_by_uuid
from components.providers.network_start import persistent_xml
from components.spec.changes import RESERVATION_RULES, FieldChange
from components.spec.dhcp_reservation import DhcpReservationSpec

_ANY_IP_ELEMENT = -1  # libvirt picks the <ip> whose subnet holds the host's address


def _flags(net: libvirt.virNetwork) -> int:
    flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
    if net.isActive():
        flags |= libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
    return int(flags)


def _entry_xml(spec: DhcpReservationSpec) -> str:
    return etree.tostring(spec.to_element(), encoding="unicode")


def _find(net: libvirt.virNetwork, mac: str) -> etree._Element | None:
    root = etree.fromstring(persistent_xml(net).encode())
    for host in root.findall("ip/dhcp/host"):
        if host.get("mac") == mac:
            return host
    return None


class DhcpReservationProvider(LibvirtProvider[DhcpReservationSpec]):
    """CRUD for one `<host>` entry in a network's DHCP section."""

    spec_type = DhcpReservationSpec
    rules = RESERVATION_RULES
    kind = "DHCP reservation"

    def label(self, props: Mapping[str, Any]) -> str:
        return (
            f"DHCP reservation {props.get('mac')} → {props.get('ip')} on network "
            f"{props.get('network')!r}"
        )

    def _network(self, conn: libvirt.virConnect, spec: DhcpReservationSpec) -> libvirt.virNetwork:
        net = network_by_uuid(conn, spec.network_uuid) if spec.network_uuid else None
        net = net or lookup_network(conn, spec.network)
        if net is None:
            raise ProviderError(f"network {spec.network!r} does not exist on {conn.getURI()}")
        return net

    def create_object(
        self, conn: libvirt.virConnect, spec: DhcpReservationSpec, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        net = self._network(conn, spec)
        existing = _find(net, spec.mac)
        command = (
            libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST
            if existing is None
            else libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY
        )
        net.update(
            command,
            libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
            _ANY_IP_ELEMENT,
            _entry_xml(spec),
            _flags(net),
        )
        return f"{net.UUIDString()}/{spec.mac}", {}

    def read_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        desired: DhcpReservationSpec,
        props: Mapping[str, Any],
    ) -> tuple[DhcpReservationSpec, Props] | None:
        net = network_by_uuid(conn, id_.split("/", 1)[0])
        entry = None if net is None else _find(net, desired.mac)
        if entry is None:
            return None
        live = DhcpReservationSpec.from_element(
            entry, network=desired.network, network_uuid=desired.network_uuid
        )
        if desired.name is None:
            live = live.model_copy(update={"name": None})
        return live, {}

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: DhcpReservationSpec,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        net = self._network(conn, spec)
        net.update(
            libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY,
            libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
            _ANY_IP_ELEMENT,
            _entry_xml(spec),
            _flags(net),
        )
        return {}

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        net = network_by_uuid(conn, id_.split("/", 1)[0])
        spec = self.spec_of(props)
        entry = None if net is None else _find(net, spec.mac)
        if net is None or entry is None:
            return
        net.update(
            libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
            libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
            _ANY_IP_ELEMENT,
            etree.tostring(entry, encoding="unicode"),
            _flags(net),
        )
