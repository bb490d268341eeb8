"""The policy rules as a pulumi-policy pack (`policy/__main__.py` serves `policies()`).

Each rule of `components.policies.rules` becomes a stack validation policy with the rule's
name, description and enforcement level; what the engine hands over is turned into the
same `RuleResource`s the offline plan builds, so `pulumi preview --policy-pack policy` and
`python -m components.plan --policy` judge alike.

What the engine cannot show a pack: a value known only after apply (kept as unknown, not
judged) and the `retainOnDelete` resource option (pulumi-policy has no field for it; the
data-disk rule then relies on `protect`, and the offline plan, which sees the option,
has the last word).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import proxy as policy_proxy

from components.plan.values import UNKNOWN
from components.policies.rules import RULES, Estate, Rule, RuleResource

_UNKNOWN_SENTINELS = {
    policy_proxy.UNKNOWN_BOOLEAN_VALUE,
    policy_proxy.UNKNOWN_NUMBER_VALUE,
    policy_proxy.UNKNOWN_STRING_VALUE,
    policy_proxy.UNKNOWN_ARRAY_VALUE,
    policy_proxy.UNKNOWN_ASSET_VALUE,
    policy_proxy.UNKNOWN_ARCHIVE_VALUE,
    policy_proxy.UNKNOWN_OBJECT_VALUE,
}

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "productionStacks": {"type": "array", "items": {"type": "string"}},
        "hostMemoryMib": {"type": "object", "additionalProperties": {"type": "integer"}},
        "memoryOvercommit": {"type": "number"},
    }
)
"""Settings the rules read (each rule ignores the ones it has no use for)."""


def plain(value: Any) -> Any:
    """Props as plain data: pulumi-policy's unknown-checking proxies opened (reading an
    unknown through them raises), unknown sentinels turned into the plan's UNKNOWN."""
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        target = _target(value)
        return {k: plain(v) for k, v in target.items()}
    if isinstance(value, Sequence):
        return [plain(v) for v in _target(value)]
    return value


def _target(proxy: Any) -> Any:
    """The wrapped container of a pulumi-policy proxy (the container itself otherwise)."""
    try:
        return proxy["__target"]
    except (KeyError, TypeError, IndexError):
        return proxy


def rule_resource(resource: PolicyResource) -> RuleResource:
    """What the engine sends, as the rules see it (retainOnDelete: not visible, None)."""
    return RuleResource(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        props=plain(resource.props),
        parent=resource.parent.urn if resource.parent is not None else None,
        protect=bool(resource.opts.protect),
        retain_on_delete=None,
    )


def _validate(rule: Rule) -> Any:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        estate = Estate(rule_resource(r) for r in args.resources)
        for urn, message in rule.check(estate, args.get_config()):
            report_violation(message, urn)

    return validate


def policies(rules: Sequence[Rule] = RULES) -> list[StackValidationPolicy]:
    """One stack validation policy per rule."""
    return [
        StackValidationPolicy(
            name=rule.name,
            description=rule.description,
            validate=_validate(rule),
            enforcement_level=(
                EnforcementLevel.MANDATORY if rule.mandatory else EnforcementLevel.ADVISORY
            ),
            config_schema=CONFIG_SCHEMA,
        )
        for rule in rules
    ]
