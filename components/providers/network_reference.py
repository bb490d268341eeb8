"""The NetworkReference dynamic provider: use a network the stack does not own.

For networks such as libvirt's `default`: `create` only checks that it exists (a clear
error if not), `read` follows it, and `delete` never touches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import libvirt

from components.providers.base import LibvirtProvider, Props, ProviderError
from components.providers.network import lookup_network
from components.spec.changes import NETWORK_REFERENCE_RULES, FieldChange
from components.spec.xmlbind import X, XmlModel


class NetworkReferenceSpec(XmlModel):
    """Just the name of an existing network."""

    xml_tag = "network"
    name: Annotated[str, X("name")]


class NetworkReferenceProvider(LibvirtProvider[NetworkReferenceSpec]):
    """Read-only: never creates, changes or deletes the network it refers to."""

    spec_type = NetworkReferenceSpec
    rules = NETWORK_REFERENCE_RULES
    kind = "existing network"
    computed_keys = ("uuid", "active")

    def create_object(
        self, conn: libvirt.virConnect, spec: NetworkReferenceSpec, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        net = lookup_network(conn, spec.name)
        if net is None:
            raise ProviderError(
                f"network {spec.name!r} does not exist on {conn.getURI()}; it is referenced, "
                "not created, by this stack"
            )
        return net.UUIDString(), {"uuid": net.UUIDString(), "active": bool(net.isActive())}

    def read_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        desired: NetworkReferenceSpec,
        props: Mapping[str, Any],
    ) -> tuple[NetworkReferenceSpec, Props] | None:
        net = lookup_network(conn, desired.name)
        if net is None:
            return None
        return desired, {"uuid": net.UUIDString(), "active": bool(net.isActive())}

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: NetworkReferenceSpec,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        return {"uuid": id_, "active": bool(olds.get("active"))}

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        """Forget the reference; the network itself is not ours to delete."""
