"""The Network dynamic provider: virtual networks defined, started, changed in place.

Static DHCP leases, DHCP ranges and DNS host records change with virNetworkUpdate on the
live and persistent configuration together, so the network keeps its UUID and bridge and
running VMs stay attached. Everything else about a network is a replace (spec/changes.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import libvirt
from lxml import etree

from components.providers import plugin_log, takeover
from components.providers.base import (
    ADOPT_KEY,
    LibvirtProvider,
    Props,
    ProviderError,
    found,
)
from components.providers.domain import live_owner
from components.providers.drift import with_live_drift
from components.providers.network_attachments import attachments, reattach_running
from components.providers.network_start import (
    DEFINE_AND_START,
    bridge_of,
    define_and_start,
    persistent_xml,
)
from components.providers.ownership_check import expected_owner, require_owned
from components.spec.changes import NETWORK_RULES, FieldChange
from components.spec.network import NetworkSpec
from components.spec.ownership import Ownership
from components.spec.xmlbind import XmlModel


def lookup_network(conn: libvirt.virConnect, name: str) -> libvirt.virNetwork | None:
    """The network named `name`, or None."""
    return found(lambda: conn.networkLookupByName(name), libvirt.VIR_ERR_NO_NETWORK)


def network_by_uuid(conn: libvirt.virConnect, uuid: str) -> libvirt.virNetwork | None:
    """The network with this UUID, or None."""
    return found(lambda: conn.networkLookupByUUIDString(uuid), libvirt.VIR_ERR_NO_NETWORK)


def _persistent(net: libvirt.virNetwork) -> NetworkSpec:
    return NetworkSpec.from_xml(persistent_xml(net), autostart=bool(net.autostart()))


def _running(net: libvirt.virNetwork) -> NetworkSpec:
    return NetworkSpec.from_xml(net.XMLDesc(0), autostart=bool(net.autostart()))


LIVE_FIELDS = ("dns_hosts", "ips")
"""What virNetworkUpdate changes on a running network (and so can drift live only)."""


def _xml(model: XmlModel, tag: str) -> str:
    return etree.tostring(model.to_element(tag), encoding="unicode")


class _Updater:
    """Applies list differences to one network section with virNetworkUpdate, on one of
    the network's configurations (`flags`: the saved definition or the running one)."""

    def __init__(self, net: libvirt.virNetwork, flags: int) -> None:
        self.net = net
        self.flags = flags

    def sync(
        self,
        section: int,
        tag: str,
        old: Sequence[XmlModel],
        new: Sequence[XmlModel],
        parent_index: int = -1,
    ) -> None:
        """Delete entries no longer wanted, then add the new ones (order kept)."""
        for entry in old:
            if entry not in new:
                self.net.update(
                    libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                    section,
                    parent_index,
                    _xml(entry, tag),
                    self.flags,
                )
        for entry in new:
            if entry not in old:
                self.net.update(
                    libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                    section,
                    parent_index,
                    _xml(entry, tag),
                    self.flags,
                )


def comparable(
    live: NetworkSpec, desired: NetworkSpec, also: NetworkSpec | None = None
) -> NetworkSpec:
    """The live spec, minus what is not drift: unset fields and VM-owned DHCP reservations.

    Static leases that VMs' fixed IPs add (DhcpReservation resources) live in the same XML
    list as the network's own leases; only the network's own (those `desired`, or `also`,
    the previous spec, lists) are compared here.
    """
    update: dict[str, object] = {
        n: None for n in NetworkSpec.model_fields if getattr(desired, n) is None
    }
    if len(live.ips) == len(desired.ips):
        wanted = [{d.mac for d in want.dhcp_hosts} for want in desired.ips]
        if also is not None:
            for index, ip in enumerate(also.ips[: len(wanted)]):
                wanted[index] |= {d.mac for d in ip.dhcp_hosts}
        update["ips"] = [
            ip.model_copy(update={"dhcp_hosts": [h for h in ip.dhcp_hosts if h.mac in macs]})
            for ip, macs in zip(live.ips, wanted, strict=True)
        ]
    return live.model_copy(update=update)


def _sync(updater: _Updater, current: NetworkSpec, spec: NetworkSpec) -> None:
    """Bring one configuration's DNS hosts, DHCP hosts and ranges from `current` to `spec`."""
    updater.sync(libvirt.VIR_NETWORK_SECTION_DNS_HOST, "host", current.dns_hosts, spec.dns_hosts)
    for index, (before, after) in enumerate(zip(current.ips, spec.ips, strict=False)):
        updater.sync(
            libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
            "host",
            before.dhcp_hosts,
            after.dhcp_hosts,
            index,
        )
        updater.sync(
            libvirt.VIR_NETWORK_SECTION_IP_DHCP_RANGE,
            "range",
            before.dhcp_ranges,
            after.dhcp_ranges,
            index,
        )


def _refuse_foreign_users(
    conn: libvirt.virConnect, label: str, network: str, owner: Ownership | None
) -> None:
    """Domains of other owners, running or stopped, would lose their network (a stopped one
    could never start again): refuse, naming them."""
    foreign = []
    for attachment in attachments(conn, network):
        dom = conn.lookupByName(attachment.domain)
        tag = live_owner(dom)
        if (
            owner is None
            or tag is None
            or (tag.project, tag.stack)
            != (
                owner.project,
                owner.stack,
            )
        ):
            foreign.append(attachment.domain)
    if foreign:
        raise ProviderError(
            f"{label} is used by domains {sorted(set(foreign))} (running or stopped) that "
            "this stack does not manage; not deleting it (detach them first)"
        )


class NetworkProvider(LibvirtProvider[NetworkSpec]):
    """CRUD for libvirt networks described by NetworkSpec."""

    spec_type = NetworkSpec
    rules = NETWORK_RULES
    kind = "network"
    computed_keys = ("uuid", "actualBridgeName", "reattachedDomains")

    def create_object(
        self, conn: libvirt.virConnect, spec: NetworkSpec, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        existing = lookup_network(conn, spec.name)
        if existing is not None and not props.get(ADOPT_KEY):
            if not takeover.owned_by_this_resource(_persistent(existing).ownership, spec.ownership):
                raise takeover.refuse_existing("network", spec.name, f" on {conn.getURI()}")
            takeover.announce("network", spec.name, conn.getURI())
        with DEFINE_AND_START:
            net = define_and_start(conn, spec, existing)
        reattached = reattach_running(conn, net)
        if reattached:
            plugin_log.info(f"network {spec.name}: re-attached running domains {reattached}")
        return net.UUIDString(), self._computed(net, reattached)

    @staticmethod
    def _computed(net: libvirt.virNetwork, reattached: list[str] | None = None) -> Props:
        """`reattachedDomains`: the running VMs this create (a replace) plugged back in, so
        the program can say so on the network's row; empty after any other call."""
        name = bridge_of(etree.fromstring(net.XMLDesc(0).encode()))
        return {
            "uuid": net.UUIDString(),
            "actualBridgeName": name or "",
            "reattachedDomains": list(reattached or []),
        }

    def read_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        desired: NetworkSpec,
        props: Mapping[str, Any],
    ) -> tuple[NetworkSpec, Props] | None:
        net = network_by_uuid(conn, id_)
        if net is None:
            return None
        live = comparable(_persistent(net), desired)
        if net.isActive():
            running = comparable(_running(net), desired)
            live = with_live_drift(live, running, desired, LIVE_FIELDS)
        return live, self._computed(net)

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: NetworkSpec,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        net = network_by_uuid(conn, id_)
        if net is None:
            raise ProviderError(f"network {spec.name!r} ({id_}) no longer exists; run refresh")
        old = self.spec_of(olds)
        # Each configuration changes from what it really holds (not from the state), so
        # a hand edit of one of them (net-edit: saved definition only) is repaired too.
        configurations = [(libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG, _persistent(net))]
        if net.isActive():
            configurations.append((libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE, _running(net)))
        for flags, holds in configurations:
            _sync(_Updater(net, flags), comparable(holds, spec, also=old), spec)
        if any(c.key == "ownership" for c in changes):
            root = etree.fromstring(persistent_xml(net).encode())
            spec.merge_into(root)
            conn.networkDefineXML(etree.tostring(root, encoding="unicode"))
        net.setAutostart(int(spec.autostart))
        return self._computed(net)

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        net = network_by_uuid(conn, id_)
        if net is None:
            return
        require_owned(self.label(props), _persistent(net).ownership, expected_owner(props))
        _refuse_foreign_users(conn, self.label(props), net.name(), expected_owner(props))
        if net.isActive():
            net.destroy()
        net.undefine()
