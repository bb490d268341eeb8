"""The recorded plan: every registered resource of one stack, in a stable order.

Built from `registrations.evaluate`'s plain data. Nothing here knows the resource types the
program uses: a new component or dynamic resource shows up in the plan (and its diff and
policy checks) the moment the program registers it. What *is* known about our types — how
to call them, what section of the estate they belong to — is only used to order and label.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from components.plan.values import from_json, to_json

_SECTIONS: dict[str, tuple[int, str]] = {
    "KvmHost": (0, "host"),
    "StoragePool": (1, "pool"),
    "VmTemplate": (3, "template"),
    "VirtualMachine": (4, "vm"),
}
"""Known component kinds: their place in the plan and the word a reviewer uses."""
_NETWORK_SECTION = 2
_OTHER_SECTION = 5


def kind_of(type_token: str) -> str:
    """The last part of a type token: `pulumi-python:dynamic/kvm:Domain` → `Domain`."""
    return type_token.rsplit(":", 1)[-1]


def words(camel: str) -> str:
    """`DhcpReservation` → `dhcp reservation`, `maxMemoryMib` → `max memory mib`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", camel).lower()


def section_of(type_token: str) -> tuple[int, str]:
    """(rank, label) of a top-level component: hosts, pools, networks, templates, VMs, rest."""
    kind = kind_of(type_token)
    if kind in _SECTIONS:
        return _SECTIONS[kind]
    if kind.endswith("Network"):
        return _NETWORK_SECTION, "network"
    return _OTHER_SECTION, words(kind)


@dataclass(frozen=True)
class PlannedResource:
    """One registered resource as the plan shows it.

    Custom resources carry their wire inputs (what the provider gets), components their
    registered outputs. `protect` / `retain_on_delete` are effective values (inherited
    from the parent when the program left them unset, as the engine does).
    """

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    provider: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False

    @property
    def kind(self) -> str:
        return kind_of(self.type)

    @property
    def label(self) -> str:
        """How a reviewer names the kind: `vm`, `network`, `volume`, `dhcp reservation`."""
        if self.custom:
            return words(self.kind)
        return section_of(self.type)[1]

    @property
    def heading(self) -> str:
        """`vm web-1`; kinds sharing one word say which they are: `network lan (nat network)`."""
        text = f"{self.label} {self.name}"
        if not self.custom and self.kind not in _SECTIONS and words(self.kind) != self.label:
            text += f" ({words(self.kind)})"
        return text

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
        }
        if self.custom:
            data["provider"] = self.provider
            data["inputs"] = to_json(self.inputs)
        else:
            data["outputs"] = to_json(self.outputs)
        return data


@dataclass(frozen=True)
class Plan:
    """A stack's desired estate: resources in plan order, plus what the program warned."""

    project: str
    stack: str
    resources: tuple[PlannedResource, ...]
    warnings: tuple[str, ...] = ()

    @classmethod
    def from_registrations(cls, data: Mapping[str, Any]) -> Plan:
        """Build the plan from `registrations.evaluate`'s result (or its JSON)."""
        raw = {r["urn"]: r for r in data["resources"]}
        stack_root = _stack_root(raw)
        options: dict[str, tuple[bool, bool]] = {}

        def effective(urn: str | None) -> tuple[bool, bool]:
            if urn is None or urn not in raw:
                return False, False
            if urn not in options:
                record = raw[urn]
                inherited = effective(record["parent"])
                protect, retain = record["protect"], record["retain_on_delete"]
                options[urn] = (
                    inherited[0] if protect is None else bool(protect),
                    inherited[1] if retain is None else bool(retain),
                )
            return options[urn]

        resources = []
        for urn, record in raw.items():
            protect, retain = effective(urn)
            parent = record["parent"]
            resources.append(
                PlannedResource(
                    urn=urn,
                    type=record["type"],
                    name=record["name"],
                    parent=None if parent == stack_root else parent,
                    custom=bool(record["custom"]),
                    provider=record.get("provider"),
                    inputs=from_json(record.get("inputs") or {}),
                    outputs=from_json(record.get("outputs") or {}),
                    protect=protect,
                    retain_on_delete=retain,
                )
            )
        return cls(
            project=str(data["project"]),
            stack=str(data["stack"]),
            resources=tuple(_plan_order(resources)),
            warnings=tuple(data.get("warnings") or ()),
        )

    @functools.cached_property
    def _index(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}

    @functools.cached_property
    def _children(self) -> dict[str | None, list[PlannedResource]]:
        children: dict[str | None, list[PlannedResource]] = {}
        for resource in self.resources:
            children.setdefault(resource.parent, []).append(resource)
        return children

    def by_urn(self) -> dict[str, PlannedResource]:
        return self._index

    def top_level(self) -> list[PlannedResource]:
        return list(self._children.get(None, []))

    def children(self, urn: str) -> list[PlannedResource]:
        return list(self._children.get(urn, []))

    def custom(self) -> Iterator[PlannedResource]:
        return (r for r in self.resources if r.custom)

    def of_kind(self, kind: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.kind == kind]

    def host_names(self) -> dict[str, str]:
        """libvirt URI → the stack's host name (from KvmHost components' `uri` output)."""
        return {
            str(r.outputs["uri"]): r.name
            for r in self.of_kind("KvmHost")
            if isinstance(r.outputs.get("uri"), str)
        }

    def top_of(self, resource: PlannedResource) -> PlannedResource:
        """The top-level component `resource` belongs to (itself when top-level)."""
        index = self._index
        current = resource
        while current.parent is not None and current.parent in index:
            current = index[current.parent]
        return current

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            "warnings": list(self.warnings),
        }


def _stack_root(raw: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The URN of the root stack resource (a parent that is not itself registered)."""
    for record in raw.values():
        parent = record["parent"]
        if parent is not None and parent not in raw:
            return str(parent)
    return None


def _plan_order(resources: list[PlannedResource]) -> list[PlannedResource]:
    """Depth-first: top-level components by section then name, children by kind then name.

    Registration order depends on the program's control flow (and, for resources made
    inside `apply`, on timing); this order depends only on what is registered.
    """
    children: dict[str | None, list[PlannedResource]] = {}
    for resource in resources:
        children.setdefault(resource.parent, []).append(resource)
    known = {r.urn for r in resources}
    roots = [r for r in resources if r.parent is None or r.parent not in known]
    ordered: list[PlannedResource] = []

    def visit(resource: PlannedResource) -> None:
        ordered.append(resource)
        for child in sorted(children.get(resource.urn, []), key=_child_key):
            visit(child)

    for root in sorted(roots, key=_root_key):
        visit(root)
    return ordered


def _root_key(resource: PlannedResource) -> tuple[int, str, str, str]:
    rank, _label = section_of(resource.type)
    return rank, resource.name, resource.type, resource.urn


def _child_key(resource: PlannedResource) -> tuple[bool, str, str, str]:
    return resource.custom, resource.kind, resource.name, resource.urn
