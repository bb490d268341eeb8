"""Which address a VM's NIC gets, read from the plan's networks and DHCP reservations.

A reservation for the NIC's MAC on its network (a `DhcpReservation` resource, or a
`dhcpHosts` entry of the network itself) is a fixed IP; otherwise the network's DHCP range
says where the address comes from; a network the stack does not address (bridged onto a
LAN, or not in the plan) says nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.plan.model import Plan
from components.spec.changes import CONNECTION_KEY


class NicAddresses:
    """Looks up NIC addresses in one plan (indexes built once: plans hold thousands of NICs)."""

    def __init__(self, plan: Plan) -> None:
        self._reserved: dict[tuple[Any, Any, Any], Any] = {}
        self._networks: dict[tuple[Any, Any], Mapping[str, Any]] = {}
        for resource in plan.custom():
            inputs = resource.inputs
            uri = inputs.get(CONNECTION_KEY)
            if {"network", "mac", "ip"} <= set(inputs):
                key = (uri, inputs["network"], str(inputs["mac"]).lower())
                self._reserved[key] = inputs["ip"]
            elif resource.kind == "Network" and "name" in inputs:
                self._networks[(uri, inputs["name"])] = inputs
        for (uri, name), network in self._networks.items():
            for ip in _list(network.get("ips")):
                for host in _list(ip.get("dhcpHosts") if isinstance(ip, Mapping) else None):
                    if isinstance(host, Mapping) and "mac" in host and "ip" in host:
                        key = (uri, name, str(host["mac"]).lower())
                        self._reserved.setdefault(key, host["ip"])

    def describe(self, uri: Any, interface: Mapping[str, Any]) -> str | None:
        """`10.80.0.21 (reserved)`, `dhcp 10.70.0.100-10.70.0.199`, or None."""
        network, mac = interface.get("network"), interface.get("mac")
        if network is None:
            return None
        fixed = self._reserved.get((uri, network, str(mac).lower()))
        if fixed is not None:
            return f"{fixed} (reserved)"
        ranges = [
            f"{r.get('start')}-{r.get('end')}"
            for ip in _list(self._networks.get((uri, network), {}).get("ips"))
            if isinstance(ip, Mapping)
            for r in _list(ip.get("dhcpRanges"))
            if isinstance(r, Mapping)
        ]
        return f"dhcp {', '.join(ranges)}" if ranges else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
