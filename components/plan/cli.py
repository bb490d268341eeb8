"""`python -m components.plan`: the offline plan, its diff against a git revision, policy.

    python -m components.plan --stack prod                 # the desired estate, as text
    python -m components.plan --stack prod --format json --xml
    python -m components.plan --stack prod --policy        # plus the policy pack's verdict
    python -m components.plan --stack dev --diff origin/main

Exit codes (for CI): 0 nothing to report; 1 error (bad config, bad revision); 2 the diff
has changes; 3 a mandatory policy rule is violated (wins over 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from components.plan.diff import diff_plans, render_diff_json, render_diff_text
from components.plan.model import Plan
from components.plan.picture.draw import PICTURE_FORMATS, draw
from components.plan.registrations import PlanError
from components.plan.render import policy_lines, render_json, render_text
from components.plan.sources import plan_of_directory, plans_for_diff
from components.policies.rules import RuleResource, Violation, check

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_POLICY = 3


def rule_resources(plan: Plan) -> list[RuleResource]:
    """The plan as the policy rules see it (the pack sees the same from the engine)."""
    return [
        RuleResource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            props=r.inputs if r.custom else r.outputs,
            parent=r.parent,
            protect=r.protect,
            retain_on_delete=r.retain_on_delete,
        )
        for r in plan.resources
    ]


def plan_violations(plan: Plan, config: Mapping[str, Any] | None = None) -> list[Violation]:
    """The policy pack's rules run over the plan."""
    return check(rule_resources(plan), config)


def _policy_config(path: Path | None) -> dict[str, Any]:
    """A Pulumi policy config file (`--policy-pack-config`): rule name → settings."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise PlanError(f"policy config {path}: {err}") from None
    if not isinstance(data, dict):
        raise PlanError(f"policy config {path}: expected a JSON object of rule name → settings")
    return {k: v if isinstance(v, dict) else {"enforcementLevel": v} for k, v in data.items()}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m components.plan",
        description="Offline plan of a stack: no libvirt, no Pulumi backend.",
    )
    parser.add_argument("--stack", required=True, help="stack name (stacks/Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="directory of Pulumi.yaml"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", *PICTURE_FORMATS),
        default="text",
        help="text or json; dot, mermaid or svg: a picture of the estate (or of the diff)",
    )
    parser.add_argument("--xml", action="store_true", help="add the libvirt XML of each object")
    parser.add_argument("--policy", action="store_true", help="run the policy pack's rules")
    parser.add_argument(
        "--policy-config", type=Path, help="policy config JSON (as for --policy-pack-config)"
    )
    parser.add_argument(
        "--diff", metavar="REV", help="compare with the plan at git revision REV instead"
    )
    return parser


def run(argv: Sequence[str] | None = None, out: Any = None) -> int:
    """Parse `argv`, print to `out` (stdout), return the exit code."""
    args = parser().parse_args(argv)
    out = out or sys.stdout
    try:
        config = _policy_config(args.policy_config)
        if args.diff:
            old, plan, label = plans_for_diff(args.project_dir, args.stack, args.diff)
        else:
            plan = plan_of_directory(args.project_dir, args.stack)
        diff = diff_plans(old, plan, label, "working tree") if args.diff else None
        picture = (
            draw(args.format, plan, old if args.diff else None, diff)
            if args.format in PICTURE_FORMATS
            else None
        )
    except Exception as err:  # config and program errors end the plan with their message
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    violations = plan_violations(plan, config) if args.policy else None
    if picture is not None:
        text = picture
        code = EXIT_CHANGES if diff is not None and diff.changed else EXIT_OK
    elif diff is not None:
        if args.format == "json":
            text = render_diff_json(diff, violations)
        else:
            text = render_diff_text(diff)
            if violations is not None:
                text += "\n" + "\n".join(policy_lines(plan, violations)) + "\n"
        code = EXIT_CHANGES if diff.changed else EXIT_OK
    else:
        render = render_json if args.format == "json" else render_text
        text = render(plan, xml=args.xml, violations=violations)
        code = EXIT_OK
    out.write(text)
    if violations and any(v.mandatory for v in violations):
        return EXIT_POLICY
    return code
