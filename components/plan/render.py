"""The plan as text for reviewers and as JSON for tools; the same plan gives the same bytes.

Text: one block per resource, nested under its component, fields one per line in a fixed
order (fields.py); NICs and disks on one line each, NICs with their address. JSON: the plan
as recorded (keys sorted), optionally with each resource's libvirt XML and the policy
findings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from components.plan import fields
from components.plan.libvirt_xml import libvirt_xml
from components.plan.model import Plan, PlannedResource
from components.plan.nic_addresses import NicAddresses
from components.plan.values import Opaque, Secret
from components.policies.rules import Violation, generation_of
from components.spec.changes import CONNECTION_KEY

_INDENT = "  "
_LEGEND = '(offline: no libvirt, no Pulumi backend; "(known after apply)" is decided at apply)'


def render_text(
    plan: Plan, *, xml: bool = False, violations: Sequence[Violation] | None = None
) -> str:
    """The plan for a reviewer; `xml` adds each resource's libvirt XML."""
    lines = [f"Offline plan of stack {plan.stack} (project {plan.project})", _LEGEND]
    writer = _BlockWriter(plan, xml)
    depth: dict[str, int] = {}
    for resource in plan.resources:
        level = depth.get(resource.parent, -1) + 1 if resource.parent else 0
        depth[resource.urn] = level
        if level == 0:
            lines.append("")
        lines.extend(writer.block(resource, level))
    if plan.warnings:
        lines += ["", "Program warnings"]
        lines += [f"{_INDENT}{warning}" for warning in plan.warnings]
    if violations is not None:
        lines += ["", *policy_lines(plan, violations)]
    return "\n".join(lines) + "\n"


def policy_lines(plan: Plan, violations: Sequence[Violation]) -> list[str]:
    """The policy section: a count, then one line per violation (mandatory first)."""
    mandatory = sum(1 for v in violations if v.mandatory)
    advisory = len(violations) - mandatory
    lines = [f"Policy: {mandatory} mandatory, {advisory} advisory violation(s)"]
    index = plan.by_urn()
    for violation in sorted(violations, key=lambda v: (not v.mandatory, v.rule, v.urn or "")):
        where = ""
        if violation.urn in index:
            resource = index[violation.urn]
            where = f"{object_label(plan, resource)}: "
        level = "mandatory" if violation.mandatory else "advisory"
        lines.append(f"{_INDENT}{level:<9}  {violation.rule}  {where}{violation.message}")
    return lines


def object_label(plan: Plan, resource: PlannedResource) -> str:
    """How diffs and policy name a resource: `vm web-1`, `vm web-1 > volume web-1-root`.

    A resource named like its top-level component (the VM's domain `web-1`, the network's
    instance `lan@hv1`) goes by the component's word; others add their own kind and name.
    """
    top = plan.top_of(resource)
    if resource is top or resource.name == top.name or resource.name.startswith(f"{top.name}@"):
        return f"{top.label} {resource.name}"
    return f"{top.label} {top.name} > {resource.label} {resource.name}"


def render_json(
    plan: Plan, *, xml: bool = False, violations: Sequence[Violation] | None = None
) -> str:
    """The plan for tools: stable JSON (sorted keys, markers as their text)."""
    data = plan.to_json()
    if xml:
        for entry, resource in zip(data["resources"], plan.resources, strict=True):
            text = libvirt_xml(resource)
            if text is not None:
                entry["xml"] = text
    if violations is not None:
        data["policy"] = [v.to_json() for v in violations]
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _BlockWriter:
    """Writes one resource's block: header, fields, and (on request) its libvirt XML."""

    def __init__(self, plan: Plan, xml: bool) -> None:
        self._hosts = plan.host_names()
        self._addresses = NicAddresses(plan)
        self._xml = xml

    def block(self, resource: PlannedResource, level: int) -> list[str]:
        pad = _INDENT * (level + 1)
        lines = [_INDENT * level + resource.heading]
        bag = resource.inputs if resource.custom else resource.outputs
        if resource.kind == "Domain" and "generation" not in bag:
            derived = generation_of(bag)
            if derived is not None:
                bag = {**bag, "generation": f"{derived} (from machine and firmware)"}
        keys = fields.field_order(list(bag))
        options = [
            word
            for word, on in (
                ("protect", resource.protect),
                ("retain on delete", resource.retain_on_delete),
            )
            if on
        ]
        labels = [fields.label(k) for k in keys] + (["options"] if options else [])
        width = max((len(text) for text in labels), default=0)
        for key in keys:
            lines += self._field(resource, key, bag[key], pad, width)
        if options:
            lines.append(f"{pad}{'options':<{width}}  {', '.join(options)}")
        if self._xml:
            text = libvirt_xml(resource)
            if text is not None:
                lines.append(f"{pad}libvirt XML")
                lines += [f"{pad}{_INDENT}{row}" for row in text.rstrip("\n").splitlines()]
        return lines

    def _field(
        self, resource: PlannedResource, key: str, item: Any, pad: str, width: int
    ) -> list[str]:
        name = fields.label(key)
        if key == CONNECTION_KEY and isinstance(item, str):
            host = self._hosts.get(item)
            return [f"{pad}{name:<{width}}  {f'{host} ({item})' if host else item}"]
        if isinstance(item, list) and item and all(isinstance(e, Mapping) for e in item):
            rows = [f"{pad}{name}"]
            for element in item:
                rows.append(f"{pad}{_INDENT}- {self._item(resource, key, element)}")
            return rows
        return [f"{pad}{name:<{width}}  {fields.value(key, item)}"]

    def _item(self, resource: PlannedResource, key: str, element: Mapping[str, Any]) -> str:
        if key == "interfaces":
            return self._interface(resource, element)
        if key == "disks":
            return _disk(element)
        return fields.value(key, element)

    def _interface(self, resource: PlannedResource, nic: Mapping[str, Any]) -> str:
        source = nic.get("network") or nic.get("bridge") or nic.get("dev")
        text = f"{_text(nic.get('mac'))} on {_text(source)} ({_text(nic.get('model', 'virtio'))})"
        address = self._addresses.describe(resource.inputs.get(CONNECTION_KEY), nic)
        if address:
            text += f", ip {address}"
        return text + _rest(nic, {"mac", "network", "bridge", "dev", "model", "type"})


def _disk(disk: Mapping[str, Any]) -> str:
    if "volume" in disk:
        source = f"{_text(disk.get('pool'))}/{_text(disk['volume'])}"
    else:
        source = _text(disk.get("file"))
    details = ", ".join(
        _text(disk[k]) for k in ("device", "format", "bus") if disk.get(k) is not None
    )
    used = {"target", "pool", "volume", "file", "device", "format", "bus", "type", "driver"}
    return f"{_text(disk.get('target'))}: {source} ({details})" + _rest(disk, used)


def _rest(item: Mapping[str, Any], used: set[str]) -> str:
    """The item's other fields, generically (fields added later show up here)."""
    rest = {k: v for k, v in item.items() if k not in used}
    return f", {fields.value(None, rest)}" if rest else ""


def _text(item: Any) -> str:
    return str(item) if isinstance(item, Opaque | Secret) or item is not None else "-"
