"""How the plan and its diff spell field names and values for a reviewer.

Generic first: any camelCase key reads as words and any value prints, so fields other
issues add appear without a change here. A few names and units are known: `…Mib` fields
are MiB and `…Bytes` fields bytes (both print as "2 GiB"), and the usual fields of a VM
come first, in the order a reviewer reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.plan.model import words
from components.plan.values import Opaque, Secret
from components.spec.changes import CONNECTION_KEY
from components.spec.sizes import MIB, format_size

_LABELS = {
    CONNECTION_KEY: "host",
    "memoryMib": "memory",
    "maxMemoryMib": "max memory",
    "vcpus": "vCPUs",
    "maxVcpus": "max vCPUs",
    "cpuMode": "CPU mode",
    "capacityBytes": "size",
    "ips": "addresses",
    "interfaces": "NICs",
    "macAddresses": "MACs",
    "ipAddresses": "IPs",
    "uuid": "UUID",
    "mtu": "MTU",
    "stp": "STP",
}

FIRST_FIELDS = (
    "name",
    CONNECTION_KEY,
    "generation",
    "generationReason",
    "domainType",
    "machine",
    "arch",
    "cpuMode",
    "vcpus",
    "maxVcpus",
    "memoryMib",
    "maxMemoryMib",
    "disks",
    "interfaces",
    "graphics",
    "snapshotPolicy",
    "forwardMode",
    "bridgeName",
    "ips",
    "pool",
    "path",
    "format",
    "capacityBytes",
    "backingPath",
    "source",
)
"""Fields shown first (in this order) when present; the rest follow alphabetically."""

_ORDER = {key: index for index, key in enumerate(FIRST_FIELDS)}


def field_order(keys: list[str] | tuple[str, ...] | Mapping[str, Any]) -> list[str]:
    """`keys` in plan order: the known fields first, then the others by name."""
    return sorted(keys, key=lambda k: (_ORDER.get(k, len(_ORDER)), k))


def label(key: str) -> str:
    """A field's name as the plan prints it (`maxMemoryMib` → `max memory`)."""
    if key in _LABELS:
        return _LABELS[key]
    if key.endswith("Mib"):
        return words(key.removesuffix("Mib"))
    if key.endswith("Bytes"):
        return words(key.removesuffix("Bytes"))
    return words(key)


def path_label(path: tuple[str | int, ...]) -> str:
    """A nested field: `('interfaces', 1, 'network')` → `NICs[1].network`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + (label(part) if not text else part)
    return text


def value(key: str | int | None, item: Any, *, nested: bool = False) -> str:
    """One value on one line: sizes with units, booleans as yes/no, lists and maps inline
    (inside another list or map in brackets, so `ips` reads `dhcpRanges=[{start=…}]`)."""
    if isinstance(item, Opaque | Secret):
        return str(item)
    if item is None:
        return "-"
    if isinstance(item, bool):
        return "yes" if item else "no"
    if isinstance(item, int) and isinstance(key, str):
        if key.endswith("Mib"):
            return format_size(item * MIB)
        if key.endswith("Bytes"):
            return format_size(item)
    if isinstance(item, list):
        if not item:
            return "[]" if nested else "none"
        text = "; ".join(value(key, element, nested=True) for element in item)
        return f"[{text}]" if nested else text
    if isinstance(item, Mapping):
        text = ", ".join(f"{k}={value(k, item[k], nested=True)}" for k in field_order(list(item)))
        return f"{{{text}}}" if nested or not item else text
    return str(item)
