"""The estate as its pictures show it: hosts holding pools, images, networks and VMs.

Read from a plan's registered resources (the same plan the text shows), so anything the
program registers on a host appears where libvirt will put it: a pool, network or base image
in the box of the host its `connectionUri` names, a VM in the box of its domain's host with
one edge per NIC to that host's network. For a plan diff, the old plan's objects that are gone
are drawn too (deleted), each object carries what `pulumi up` will do to it, and a VM that
moves host leaves a ghost in its old host with an arrow to where it goes. Every list is
sorted, so the same plans give the same picture.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from components.plan import fields
from components.plan.diff import CREATE, DELETE, OPTIONS_ONLY, PlanDiff
from components.plan.model import Plan, PlannedResource
from components.plan.nic_addresses import NicAddresses
from components.plan.values import Opaque
from components.policy_rules import generation_of
from components.providers.migration import describe
from components.spec.changes import CONNECTION_KEY, Effect
from components.spec.domain import MigrationSettings

ACTIONS = (
    CREATE,
    OPTIONS_ONLY,
    Effect.LIVE.value,
    Effect.RESTART.value,
    Effect.MIGRATE.value,
    Effect.REPLACE.value,
    DELETE,
)
"""Every action a picture colours, least disruptive first (the legend's order)."""

UNMANAGED_ADDRESS = "unmanaged"
"""Edge label of a NIC on a network whose addresses the stack does not hand out (a LAN
bridge): the guest gets its address from outside the stack."""


@dataclass(frozen=True)
class Node:
    """One box in a host: `kind` is pool, image, network, uplink, vm or ghost."""

    id: str
    kind: str
    title: str
    lines: tuple[str, ...] = ()
    action: str | None = None


@dataclass(frozen=True)
class Edge:
    """A NIC (VM → network, labelled with its address) or a move (ghost → VM)."""

    source: str
    target: str
    label: str
    kind: str
    action: str | None = None


@dataclass(frozen=True)
class HostBox:
    """A host and what lives on it, in drawing order."""

    id: str
    name: str
    uri: str
    nodes: tuple[Node, ...]
    action: str | None = None


@dataclass(frozen=True)
class Estate:
    """What a picture draws; `actions` are those present (for the legend), None: no diff."""

    title: str
    hosts: tuple[HostBox, ...]
    edges: tuple[Edge, ...]
    actions: tuple[str, ...] | None = None


def estate_of(plan: Plan) -> Estate:
    """The desired estate of one plan."""
    drawn = _Collector(plan).collect()
    return _assemble(f"stack {plan.stack}", drawn, None)


def estate_of_diff(old: Plan, new: Plan, diff: PlanDiff) -> Estate:
    """The new estate plus what the old one had and loses, coloured by action."""
    actions = {change.urn: change.action for change in diff.changes}
    moves = _moves(old, new, diff)
    before = _Collector(old).collect()
    after = _Collector(new).collect()
    merged = _Drawn()
    for name, host in after.hosts.items():
        merged.hosts[name] = replace(host, action=_worst(actions, host.urns))
    for name, host in before.hosts.items():
        if name not in merged.hosts:
            merged.hosts[name] = replace(host, action=DELETE)
    for key, item in after.items.items():
        merged.items[key] = item.with_action(_action_of(actions, item))
    for key, item in before.items.items():
        if key not in merged.items:
            merged.items[key] = item.with_action(DELETE)
    merged.nics = after.nics + [nic for nic in before.nics if nic.vm not in after.items]
    for vm_key, (from_host, how) in moves.items():
        moved = merged.items.get(vm_key)
        if moved is not None and from_host in merged.hosts and from_host != moved.host:
            merged.ghosts.append((vm_key, from_host, how))
    title = f"stack {new.stack}: {diff.old_label} → {diff.new_label}"
    return _assemble(title, merged, actions)


@dataclass
class _Item:
    """A node before ids are assigned: its key, host, words, and the URNs it stands for."""

    key: tuple[str, ...]
    host: str
    kind: str
    title: str
    lines: list[str]
    primary: str | None
    urns: set[str] = field(default_factory=set)
    parts: list[tuple[str, str]] = field(default_factory=list)
    """(URN, line) of parts drawn as a line of the node (a VM's disks): the diff marks them."""
    action: str | None = None

    def with_action(self, action: str | None) -> _Item:
        return replace(self, action=action)


@dataclass
class _Host:
    name: str
    uri: str
    urns: set[str] = field(default_factory=set)
    action: str | None = None


@dataclass
class _Nic:
    vm: tuple[str, ...]
    network: tuple[str, ...]
    label: str


@dataclass
class _Drawn:
    hosts: dict[str, _Host] = field(default_factory=dict)
    items: dict[tuple[str, ...], _Item] = field(default_factory=dict)
    nics: list[_Nic] = field(default_factory=list)
    ghosts: list[tuple[tuple[str, ...], str, str]] = field(default_factory=list)


class _Collector:
    """Sorts one plan's resources into hosts and the nodes drawn in them."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.drawn = _Drawn()
        self.host_of_uri = plan.host_names()
        self.addresses = NicAddresses(plan)
        self.networks: dict[tuple[Any, Any], tuple[str, ...]] = {}
        self.managed_addresses: set[tuple[Any, Any]] = set()

    def host(self, uri: Any) -> str:
        name = self.host_of_uri.get(str(uri))
        if name is None:  # a URI no KvmHost names: draw it as a host of its own
            name = str(uri)
            self.drawn.hosts.setdefault(name, _Host(name, name))
        return name

    def collect(self) -> _Drawn:
        for component in self.plan.of_kind("KvmHost"):
            host = _Host(component.name, str(component.outputs.get("uri", "")))
            host.urns = {component.urn, *(r.urn for r in self._below(component))}
            self.drawn.hosts[component.name] = host
        vms, snapshots = [], []
        for resource in self.plan.custom():
            top = self.plan.top_of(resource)
            if resource.kind == "StoragePool":
                self._pool(resource, top)
            elif top.kind.endswith("Network") and "name" in resource.inputs:
                self._network(resource, top)
            elif top.kind == "VmTemplate" and resource.kind == "Volume":
                self._image(resource, top)
            elif top.kind == "VirtualMachine" and resource.kind == "Domain":
                vms.append((resource, top))
            elif "domain" in resource.inputs and top.kind == "Snapshot":
                snapshots.append(resource)
        for domain, top in vms:
            self._vm(domain, top)
        for snapshot in snapshots:
            self._snapshot(snapshot)
        return self.drawn

    def _below(self, component: PlannedResource) -> list[PlannedResource]:
        found, pending = [], self.plan.children(component.urn)
        while pending:
            child = pending.pop()
            found.append(child)
            pending += self.plan.children(child.urn)
        return found

    def _add(self, item: _Item) -> None:
        self.drawn.items[item.key] = item

    def _pool(self, pool: PlannedResource, top: PlannedResource) -> None:
        host = self.host(pool.inputs.get(CONNECTION_KEY))
        shared = " (shared)" if pool.inputs.get("shared") is True else ""
        lines = [f"{_text(pool.inputs.get('path'))}{shared}"]
        key = ("pool", host, top.name)
        self._add(_Item(key, host, "pool", f"pool {top.name}", lines, pool.urn, {pool.urn}))

    def _network(self, network: PlannedResource, top: PlannedResource) -> None:
        inputs, outputs = network.inputs, top.outputs
        uri = inputs.get(CONNECTION_KEY)
        host = self.host(uri)
        kind = top.kind.removesuffix("Network").lower() or "network"
        lines = [_text(outputs[k]) for k in ("subnet", "uplink") if outputs.get(k) is not None]
        ranges = _dhcp_ranges(inputs)
        if ranges:
            self.managed_addresses.add((uri, inputs["name"]))
            lines.append(f"DHCP {ranges}")
        key = ("network", host, top.name)
        title = f"network {top.name} ({kind})"
        self._add(_Item(key, host, "network", title, lines, network.urn, {network.urn}))
        self.networks[(uri, inputs["name"])] = key

    def _image(self, volume: PlannedResource, top: PlannedResource) -> None:
        host = self.host(volume.inputs.get(CONNECTION_KEY))
        shared = ", shared" if volume.inputs.get("shared") is True else ""
        lines = [_text(volume.inputs.get("name")) + shared]
        source = volume.inputs.get("source")
        if isinstance(source, Mapping):
            lines += [_short(_text(v)) for k, v in sorted(source.items()) if k in ("path", "url")]
        key = ("image", host, volume.name)
        self._add(_Item(key, host, "image", f"image {top.name}", lines, volume.urn, {volume.urn}))

    def _vm(self, domain: PlannedResource, top: PlannedResource) -> None:
        inputs = domain.inputs
        uri = inputs.get(CONNECTION_KEY)
        host = self.host(uri)
        below = self._below(top)
        volumes = {r.inputs.get("name"): r for r in below if r.custom and "pool" in r.inputs}
        item = _Item(("vm", top.name), host, "vm", f"vm {top.name}", [], domain.urn)
        item.urns = {top.urn, *(r.urn for r in below)}
        item.lines.append(_machine_line(inputs))
        for disk in inputs.get("disks") or []:
            if isinstance(disk, Mapping):
                volume = volumes.get(disk.get("volume"))
                line = _disk_line(disk, volume)
                if volume is not None:
                    item.parts.append((volume.urn, line))
                item.lines.append(line)
        policy = inputs.get("snapshotPolicy")
        if isinstance(policy, Mapping):
            schedule = policy.get("schedule")
            when = f", {_text(schedule)}" if schedule is not None else ", before changes"
            item.lines.append(f"snapshots: {_text(policy.get('name'))}{when}")
        self._add(item)
        for nic in inputs.get("interfaces") or []:
            if isinstance(nic, Mapping):
                self._nic(item, uri, host, nic)

    def _nic(self, vm: _Item, uri: Any, host: str, nic: Mapping[str, Any]) -> None:
        name = nic.get("network")
        if name is not None:
            target = self.networks.get((uri, name))
            if target is None:  # a network the plan does not make: a libvirt name only
                target = ("uplink", host, f"network {_text(name)}")
                self._uplink(target, host)
            address = self.addresses.describe(uri, nic)
            if address is not None and address.endswith(" (reserved)"):
                label = address.removesuffix(" (reserved)")
            elif (uri, name) in self.managed_addresses:
                label = "DHCP"
            else:
                label = UNMANAGED_ADDRESS
        else:
            device = nic.get("bridge") or nic.get("dev")
            word = "bridge" if nic.get("bridge") is not None else "host NIC"
            target = ("uplink", host, f"{word} {_text(device)}")
            self._uplink(target, host)
            label = UNMANAGED_ADDRESS
        self.drawn.nics.append(_Nic(vm.key, target, label))

    def _uplink(self, key: tuple[str, ...], host: str) -> None:
        if key not in self.drawn.items:
            self._add(_Item(key, host, "uplink", key[2], ["not managed by the stack"], None))

    def _snapshot(self, snapshot: PlannedResource) -> None:
        uri, domain = snapshot.inputs.get(CONNECTION_KEY), snapshot.inputs.get("domain")
        for item in self.drawn.items.values():
            vm = self.plan.by_urn().get(item.primary or "")
            if (
                item.kind == "vm"
                and vm is not None
                and vm.inputs.get("name") == domain
                and vm.inputs.get(CONNECTION_KEY) == uri
            ):
                line = f"snapshot {_text(snapshot.inputs.get('name'))}"
                item.parts.append((snapshot.urn, line))
                item.lines.append(line)
                item.urns.add(snapshot.urn)


def _machine_line(inputs: Mapping[str, Any]) -> str:
    """`gen2, 1 vCPU (max 2), 512 MiB (max 2 GiB)`."""
    words = []
    generation = generation_of(inputs)
    if generation is not None:
        words.append(generation)
    vcpus, max_vcpus = inputs.get("vcpus"), inputs.get("maxVcpus")
    if vcpus is not None:
        text = f"{_text(vcpus)} vCPU{'' if vcpus == 1 else 's'}"
        words.append(
            text + (f" (max {_text(max_vcpus)})" if max_vcpus not in (None, vcpus) else "")
        )
    memory, max_memory = inputs.get("memoryMib"), inputs.get("maxMemoryMib")
    if memory is not None:
        text = fields.value("memoryMib", memory)
        if max_memory not in (None, memory):
            text += f" (max {fields.value('maxMemoryMib', max_memory)})"
        words.append(text)
    return ", ".join(words)


def _disk_line(disk: Mapping[str, Any], volume: PlannedResource | None) -> str:
    """`vda 10 GiB dev-web-1-root.qcow2`, `sda cdrom dev-web-1-cidata.iso`."""
    words = [_text(disk.get("target"))]
    if disk.get("device") not in (None, "disk"):
        words.append(_text(disk["device"]))
    if volume is not None and volume.inputs.get("capacityBytes") is not None:
        words.append(fields.value("capacityBytes", volume.inputs["capacityBytes"]))
    words.append(_text(disk.get("volume") or disk.get("file")))
    return " ".join(words)


def _dhcp_ranges(inputs: Mapping[str, Any]) -> str:
    ranges = []
    for ip in inputs.get("ips") or []:
        for span in (ip.get("dhcpRanges") or []) if isinstance(ip, Mapping) else []:
            if isinstance(span, Mapping):
                ranges.append(f"{_text(span.get('start'))}-{_text(span.get('end'))}")
    return ", ".join(ranges)


def _how(domain: Mapping[str, Any]) -> str:
    """`live, shared storage`, as the domain provider's preview line says it."""
    try:
        settings = MigrationSettings.model_validate(domain.get("migration") or {})
    except ValidationError:  # a value known only after apply
        settings = MigrationSettings()
    return describe(domain.get("running") is not False, settings)


def _moves(old: Plan, new: Plan, diff: PlanDiff) -> dict[tuple[str, ...], tuple[str, str]]:
    """VM key → (old host, how) for each domain the diff migrates."""
    hosts = old.host_names()
    moves: dict[tuple[str, ...], tuple[str, str]] = {}
    for change in diff.changes:
        if change.action != Effect.MIGRATE.value:
            continue
        resource = old.by_urn().get(change.urn)
        if resource is None:
            continue
        top = old.top_of(resource)
        uri = resource.inputs.get(CONNECTION_KEY)
        new_inputs = new.by_urn()[change.urn].inputs if change.urn in new.by_urn() else {}
        moves[("vm", top.name)] = (hosts.get(str(uri), str(uri)), f"migrate ({_how(new_inputs)})")
    return moves


def _action_of(actions: Mapping[str, str], item: _Item) -> str | None:
    """The primary object's action when it changes, else the worst of its parts'."""
    if item.primary is not None and item.primary in actions:
        return actions[item.primary]
    return _worst(actions, item.urns)


def _worst(actions: Mapping[str, str], urns: Iterable[str]) -> str | None:
    found = [actions[urn] for urn in urns if urn in actions]
    return max(found, key=_rank) if found else None


def _rank(action: str) -> int:
    return ACTIONS.index(action) if action in ACTIONS else len(ACTIONS)


def _assemble(title: str, drawn: _Drawn, actions: Mapping[str, str] | None) -> Estate:
    ids = _Ids()
    boxes, edges = [], []
    marked: set[str] = set()  # actions named on a node's line (a disk's)
    order = {"pool": 0, "image": 1, "network": 2, "uplink": 3, "vm": 4}
    by_host: dict[str, list[_Item]] = {}
    for item in drawn.items.values():
        by_host.setdefault(item.host, []).append(item)
    for name in sorted(drawn.hosts):
        host = drawn.hosts[name]
        nodes = []
        for item in sorted(by_host.get(name, []), key=lambda i: (order[i.kind], i.key)):
            lines = list(item.lines)
            if actions is not None:
                for urn, line in item.parts:
                    if urn in actions and line in lines:
                        lines[lines.index(line)] = f"{line} [{actions[urn]}]"
                        marked.add(actions[urn])
            nodes.append(Node(ids.of(item.key), item.kind, item.title, tuple(lines), item.action))
        for vm_key, from_host, _how in sorted(drawn.ghosts):
            if from_host == name:
                ghost_id = ids.of(("ghost", from_host, *vm_key[1:]))
                words = f"vm {vm_key[1]} (leaves)"
                nodes.append(Node(ghost_id, "ghost", words, (f"to {drawn.items[vm_key].host}",)))
        boxes.append(HostBox(ids.of(("host", name)), name, host.uri, tuple(nodes), host.action))
    for nic in drawn.nics:
        if nic.vm in drawn.items and nic.network in drawn.items:
            action = drawn.items[nic.vm].action
            edges.append(Edge(ids.of(nic.vm), ids.of(nic.network), nic.label, "nic", action))
    for vm_key, from_host, how in drawn.ghosts:
        ghost_id = ids.of(("ghost", from_host, *vm_key[1:]))
        edges.append(Edge(ghost_id, ids.of(vm_key), how, "move", Effect.MIGRATE.value))
    edges.sort(key=lambda e: (e.kind, e.source, e.target, e.label))
    present = None
    if actions is not None:
        used = {n.action for b in boxes for n in b.nodes} | {b.action for b in boxes} | marked
        present = tuple(a for a in ACTIONS if a in used)
    return Estate(title, tuple(boxes), tuple(edges), present)


class _Ids:
    """Stable identifiers for DOT and Mermaid: the key's words, `_` for anything else."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, ...], str] = {}
        self._taken: set[str] = set()

    def of(self, key: tuple[str, ...]) -> str:
        if key not in self._ids:
            text = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(key)).strip("_")
            if text in self._taken:  # `web-1` and `web_1`: tell them apart by a hash
                text += "_" + hashlib.sha1("\0".join(key).encode()).hexdigest()[:8]
            self._taken.add(text)
            self._ids[key] = text
        return self._ids[key]


def _short(text: str, limit: int = 60) -> str:
    """A long URL or path, shortened in the middle (the file name stays readable)."""
    return text if len(text) <= limit else f"{text[: limit // 3]}…{text[-(2 * limit // 3) :]}"


def _text(item: Any) -> str:
    return str(item) if isinstance(item, Opaque) or item is not None else "-"
