"""The estate as its pictures show it: host boxes holding nodes, and edges, all with ids.

One plan (`collect` reads it) gives the desired estate. For a plan diff, the old plan's
objects that are gone are drawn too (deleted), each object carries what `pulumi up` will do
to it (its own action, else its parts' worst: a VM whose disk is rebuilt), and a VM that
moves host leaves a ghost in its old host with an arrow to where it goes, saying how as the
domain provider's preview does. Every list is sorted, so the same plans give the same
picture.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from components.plan.diff import CREATE, DELETE, OPTIONS_ONLY, PlanDiff
from components.plan.model import Plan
from components.plan.picture.collect import Drawn, Item, collect
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
    drawn = collect(plan)
    return _assemble(f"stack {plan.stack}", drawn, None)


def estate_of_diff(old: Plan, new: Plan, diff: PlanDiff) -> Estate:
    """The new estate plus what the old one had and loses, coloured by action."""
    actions = {change.urn: change.action for change in diff.changes}
    moves = _moves(old, new, diff)
    before = collect(old)
    after = collect(new)
    merged = Drawn()
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


def _action_of(actions: Mapping[str, str], item: Item) -> str | None:
    """The primary object's action when it changes, else the worst of its parts'."""
    if item.primary is not None and item.primary in actions:
        return actions[item.primary]
    return _worst(actions, item.urns)


def _worst(actions: Mapping[str, str], urns: Iterable[str]) -> str | None:
    found = [actions[urn] for urn in urns if urn in actions]
    return max(found, key=_rank) if found else None


def _rank(action: str) -> int:
    return ACTIONS.index(action) if action in ACTIONS else len(ACTIONS)


def _assemble(title: str, drawn: Drawn, actions: Mapping[str, str] | None) -> Estate:
    ids = _Ids()
    boxes, edges = [], []
    marked: set[str] = set()  # actions named on a node's line (a disk's)
    order = {"pool": 0, "image": 1, "network": 2, "uplink": 3, "vm": 4}
    by_host: dict[str, list[Item]] = {}
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
