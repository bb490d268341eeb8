"""The difference between two plans, per object, labelled with what applying it will do.

Objects are matched by URN (as the engine matches them). An object on one side only is a
create or a delete; an object on both sides is classified field by field with
`components.spec.changes.classify` and its provider's own rules, the very table the
provider's `diff` uses at apply, so the plan diff and `pulumi preview` agree. The object's
action is its most disruptive field's effect. A replaced network lists the VMs attached to
it: they are re-attached to the new network.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.plan import fields
from components.plan.model import Plan, PlannedResource, section_of
from components.plan.provider_info import change_rules, normalizer
from components.plan.render import object_label
from components.plan.values import is_secret, to_json
from components.policies.rules import Violation
from components.spec.changes import CONNECTION_KEY, Effect, FieldChange, classify, worst

CREATE = "create"
DELETE = "delete"
OPTIONS_ONLY = "update options"
"""Only `protect` / `retainOnDelete` changed: the engine's state changes, the object not."""

_MARKS = {CREATE: "+", DELETE: "-", Effect.REPLACE.value: "+-"}
_MISSING = object()


@dataclass(frozen=True)
class FieldDiff:
    """One changed leaf value; `effect` is its top-level field's classification."""

    path: tuple[str | int, ...]
    old: Any
    new: Any
    effect: str | None

    @property
    def secret(self) -> bool:
        """Either side is a secret: the diff says the field changed, never the values."""
        return is_secret(self.old) or is_secret(self.new)

    def to_json(self) -> dict[str, Any]:
        return {
            "field": fields.path_label(self.path),
            "path": list(self.path),
            "old": None if self.old is _MISSING else to_json(self.old),
            "new": None if self.new is _MISSING else to_json(self.new),
            "effect": self.effect,
            "secret": self.secret,
        }


@dataclass(frozen=True)
class ObjectChange:
    """What happens to one object: its action, changed fields, and re-attached VMs."""

    label: str
    urn: str
    type: str
    action: str
    fields: tuple[FieldDiff, ...] = ()
    reattached: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "object": self.label,
            "urn": self.urn,
            "type": self.type,
            "action": self.action,
            "fields": [f.to_json() for f in self.fields],
            "reattached": list(self.reattached),
        }


@dataclass(frozen=True)
class PlanDiff:
    """Every changed object between two plans of one stack."""

    stack: str
    old_label: str
    new_label: str
    changes: tuple[ObjectChange, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.action] = counts.get(change.action, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: _action_rank(item[0])))


def diff_plans(old: Plan, new: Plan, old_label: str, new_label: str) -> PlanDiff:
    """Compare `old` (e.g. the base revision) with `new` (e.g. the working tree)."""
    olds, news = old.by_urn(), new.by_urn()
    keyed: list[tuple[tuple[Any, ...], ObjectChange]] = []
    for position, resource in enumerate(new.resources):
        before = olds.get(resource.urn)
        if before is None:
            if _shown(new, resource):
                keyed.append((_sort_key(new, resource, position), _created(new, resource)))
        elif resource.custom:
            change = _changed(new, before, resource)
            if change is not None:
                keyed.append((_sort_key(new, resource, position), change))
    for position, resource in enumerate(old.resources):
        if resource.urn not in news and _shown(old, resource):
            change = ObjectChange(object_label(old, resource), resource.urn, resource.type, DELETE)
            keyed.append((_sort_key(old, resource, position), change))
    keyed.sort(key=lambda item: item[0])
    return PlanDiff(new.stack, old_label, new_label, tuple(change for _, change in keyed))


def _shown(plan: Plan, resource: PlannedResource) -> bool:
    """Custom resources, and components with none below them (a host): those are objects."""
    if resource.custom:
        return True
    pending = plan.children(resource.urn)
    while pending:
        child = pending.pop()
        if child.custom:
            return False
        pending += plan.children(child.urn)
    return True


def _sort_key(plan: Plan, resource: PlannedResource, position: int) -> tuple[Any, ...]:
    top = plan.top_of(resource)
    return section_of(top.type)[0], top.name, resource.urn != top.urn, resource.name, position


def _created(plan: Plan, resource: PlannedResource) -> ObjectChange:
    bag = resource.inputs if resource.custom else resource.outputs
    created = tuple(
        FieldDiff((key,), _MISSING, bag[key], None) for key in fields.field_order(list(bag))
    )
    return ObjectChange(object_label(plan, resource), resource.urn, resource.type, CREATE, created)


def _changed(plan: Plan, old: PlannedResource, new: PlannedResource) -> ObjectChange | None:
    rules = change_rules(new.provider) or {}
    diffs: list[FieldDiff] = []
    effects: list[Effect] = []
    normalize = normalizer(new.provider)
    changes = _classify(normalize(old.inputs), normalize(new.inputs), rules)
    order = fields.field_order([c.key for c in changes])
    for change in sorted(changes, key=lambda c: order.index(c.key)):
        effects.append(change.effect)
        before = old.inputs.get(change.key, _MISSING)
        after = new.inputs.get(change.key, _MISSING)
        effect_text = explained(new, change.key, change.effect)
        for path, old_leaf, new_leaf in leaf_changes(before, after, (change.key,)):
            diffs.append(FieldDiff(path, old_leaf, new_leaf, effect_text))
    for option, before, after in (
        ("protect", old.protect, new.protect),
        ("retainOnDelete", old.retain_on_delete, new.retain_on_delete),
    ):
        if before != after:
            diffs.append(FieldDiff((option,), before, after, None))
    if not diffs:
        return None
    effect = worst(effects)
    action = effect.value if effect is not None else OPTIONS_ONLY
    reattached: tuple[str, ...] = ()
    if effect is Effect.REPLACE and new.kind == "Network":
        reattached = attached_vms(plan, new, {old.inputs.get("name"), new.inputs.get("name")})
    return ObjectChange(
        object_label(plan, new), new.urn, new.type, action, tuple(diffs), reattached
    )


_SEED_EFFECT = "re-seed: cloud-init runs again at the VM's next boot"


def explained(resource: PlannedResource, key: str, effect: Effect) -> str:
    """A field's effect in the operator's terms where the bare effect would mislead: a
    cloud-init change re-seeds (the guest sees it at its next boot) or, with
    `onChange: replace`, replaces the VM."""
    if resource.kind == "CloudInitSeed" and effect is Effect.LIVE:
        return _SEED_EFFECT
    if resource.kind == "Domain" and key == "cloudInit":
        if effect is Effect.REPLACE:
            return f"{effect.value}: cloudInit onChange is replace"
        return f"{effect.value}: new instance-id, cloud-init runs again at the next boot"
    return effect.value


def _classify(
    old: Mapping[str, Any], new: Mapping[str, Any], rules: Mapping[str, Any]
) -> list[FieldChange]:
    """classify(), treating a rule that cannot judge opaque values as a replace."""
    try:
        return classify(old, new, rules)
    except TypeError:  # a rule compared "(known after apply)" with a number
        return classify(old, new, {})


def attached_vms(plan: Plan, network: PlannedResource, names: set[Any]) -> tuple[str, ...]:
    """Labels of the VMs on `network`'s host with a NIC on it (by libvirt network name)."""
    uri = network.inputs.get(CONNECTION_KEY)
    labels = []
    for domain in plan.of_kind("Domain"):
        if domain.inputs.get(CONNECTION_KEY) != uri:
            continue
        nics = domain.inputs.get("interfaces") or []
        if any(isinstance(n, Mapping) and n.get("network") in names for n in nics):
            labels.append(object_label(plan, domain))
    return tuple(sorted(labels))


def leaf_changes(
    old: Any, new: Any, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], Any, Any]]:
    """The differing leaves of two values: maps by key, lists by position."""
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return [
            change
            for key in fields.field_order(list(set(old) | set(new)))
            for change in leaf_changes(old.get(key, _MISSING), new.get(key, _MISSING), (*path, key))
        ]
    if isinstance(old, list) and isinstance(new, list):
        length = max(len(old), len(new))
        return [
            change
            for i in range(length)
            for change in leaf_changes(
                old[i] if i < len(old) else _MISSING,
                new[i] if i < len(new) else _MISSING,
                (*path, i),
            )
        ]
    return [(path, old, new)]


def _action_rank(action: str) -> int:
    order = [CREATE, OPTIONS_ONLY, *(e.value for e in Effect), DELETE]
    return order.index(action) if action in order else len(order)


def _shown_value(path: tuple[str | int, ...], item: Any) -> str:
    if item is _MISSING:
        return "(none)"
    key = next((p for p in reversed(path) if isinstance(p, str)), None)
    return fields.value(key, item)


def render_diff_text(diff: PlanDiff) -> str:
    """The diff for a pull request: one block per object, one line per changed field."""
    lines = [f"Plan diff of stack {diff.stack}: {diff.old_label} → {diff.new_label}", ""]
    if not diff.changed:
        return "\n".join([*lines, "No changes."]) + "\n"
    for change in diff.changes:
        mark = _MARKS.get(change.action, "~")
        lines.append(f"{mark} {change.label} ({change.action})")
        for item in change.fields:
            name = fields.path_label(item.path)
            if change.action == CREATE:
                lines.append(f"    {name}: {_shown_value(item.path, item.new)}")
                continue
            effect = item.effect or "no change to the object"
            if item.secret:
                lines.append(f"    {name}: changed, a secret: value not shown ({effect})")
                continue
            lines.append(
                f"    {name}: {_shown_value(item.path, item.old)} → "
                f"{_shown_value(item.path, item.new)} ({effect})"
            )
        if change.reattached:
            lines.append(f"    re-attached: {', '.join(change.reattached)}")
    counts = ", ".join(f"{count} {action}" for action, count in diff.summary().items())
    lines += ["", f"{len(diff.changes)} object(s) change: {counts}"]
    return "\n".join(lines) + "\n"


def render_diff_json(diff: PlanDiff, violations: Sequence[Violation] | None = None) -> str:
    """The diff for tools (stable JSON), with the new side's policy findings when given."""
    data: dict[str, Any] = {
        "stack": diff.stack,
        "from": diff.old_label,
        "to": diff.new_label,
        "changed": diff.changed,
        "summary": diff.summary(),
        "changes": [c.to_json() for c in diff.changes],
    }
    if violations is not None:
        data["policy"] = [v.to_json() for v in violations]
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
