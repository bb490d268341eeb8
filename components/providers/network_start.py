"""Define and start a network, and say what to do when its bridge or address is taken.

A libvirtd killed while it starts a network leaves the network defined but stopped, and its
bridge in the host's kernel: the restarted daemon no longer knows that bridge and never
removes it. Two cases follow, told apart by what libvirt answers the next start:

- the bridge was made but had no address yet: "File exists" for its name. A name libvirt
  picked is given up and the network defined again, so libvirt picks a free one and the
  rerun converges; a name the stack set is never changed.
- the bridge already held the network's address: "Network is already in use by interface
  virbrN" (libvirt refuses a subnet routed elsewhere). No libvirt API removes a kernel
  bridge, and the host may be remote, so the error names the bridge and the one command
  that removes it.
"""

from __future__ import annotations

import re
import threading

import libvirt
from lxml import etree

from components.providers import plugin_log
from components.providers.base import ProviderError
from components.spec.network import NetworkSpec

DEFINE_AND_START = threading.Lock()
"""libvirt picks a free `virbrN` for a network without a bridge name when it is defined, not
atomically with other defines: two networks defined at once get the same name and the second
fails to start ("error creating bridge interface virbr1: File exists"). Defining and starting
one network at a time (per provider process) avoids it."""

BRIDGE_NAME_TRIES = 5

_IN_USE = re.compile(r"Network is already in use by interface (\S+)")


def persistent_xml(net: libvirt.virNetwork) -> str:
    """The network's persistent definition (the test driver knows only the live one)."""
    try:
        return str(net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE))
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_INVALID_ARG:
            raise
        return str(net.XMLDesc(0))


def bridge_of(root: etree._Element) -> str | None:
    """The bridge name a network definition holds (libvirt writes the one it picked)."""
    bridge = root.find("bridge")
    return bridge.get("name") if bridge is not None else None


def define_and_start(
    conn: libvirt.virConnect, spec: NetworkSpec, existing: libvirt.virNetwork | None
) -> libvirt.virNetwork:
    """Define (or merge into `existing`, a network taken over) and start the network."""
    stale = None
    for attempt in range(1, BRIDGE_NAME_TRIES + 1):
        if existing is not None:
            root = etree.fromstring(persistent_xml(existing).encode())
            stale = stale or bridge_of(root)
            spec.merge_into(root, adopting=True)
            if attempt > 1:
                _forget_picked_bridge(root)
            net = conn.networkDefineXML(etree.tostring(root, encoding="unicode"))
        else:
            xml = spec.to_xml()
            net = conn.networkDefineXMLFlags(xml, libvirt.VIR_NETWORK_DEFINE_VALIDATE)
        try:
            if not net.isActive():
                net.create()
            net.setAutostart(int(spec.autostart))
            return net
        except libvirt.libvirtError as err:
            picked = spec.bridge_name is None and "File exists" in str(err)
            if existing is None:
                if net.isActive():
                    net.destroy()
                net.undefine()
            in_use = _IN_USE.search(str(err))
            if in_use:
                raise _address_in_use(conn, spec, in_use.group(1), stale, err) from err
            if not picked or attempt == BRIDGE_NAME_TRIES:
                raise
            plugin_log.info(
                f"network {spec.name}: {err}; a bridge of that name exists outside libvirt "
                "(another tool's, or left by a libvirtd killed while starting this network: "
                "then remove it with `ip link delete`); libvirt picks another name"
            )
    raise AssertionError("unreachable")


def _forget_picked_bridge(root: etree._Element) -> None:
    """Drop the bridge name libvirt picked from a network definition (a define picks anew)."""
    bridge = root.find("bridge")
    if bridge is not None and "name" in bridge.attrib:
        del bridge.attrib["name"]


def _address_in_use(
    conn: libvirt.virConnect,
    spec: NetworkSpec,
    interface: str,
    stale: str | None,
    err: libvirt.libvirtError,
) -> ProviderError:
    """The start's refusal, with what the operator does about it. `stale` is the bridge the
    network taken over was defined with: if that is the interface holding the subnet, it is
    this network's own bridge left by an interrupted start."""
    subnets = ", ".join(f"{ip.address}/{ip.prefix}" for ip in spec.ips) or "its subnet"
    where = f"network {spec.name!r} on {conn.getURI()}"
    if interface == stale:
        advice = (
            f"bridge {interface} still holds {subnets}: a libvirtd stopped while it started "
            "this network left it in the host's kernel, and the restarted libvirtd neither "
            "knows nor removes it. The network stays defined; on the host, run "
            f"`ip link delete {interface}` (nothing is plugged into it), then run `pulumi up` "
            "again"
        )
    else:
        advice = (
            f"{subnets} is already routed to interface {interface} on that host (another "
            "network or tool uses it): give this network another subnet, or free that one"
        )
    return ProviderError(f"starting {where} failed: {err}; {advice}")
