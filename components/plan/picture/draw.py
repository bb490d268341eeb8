"""`--format dot | mermaid | svg`: the plan, or a plan diff, as a picture."""

from __future__ import annotations

from components.plan.diff import PlanDiff
from components.plan.model import Plan
from components.plan.picture.dot import render_dot
from components.plan.picture.estate import estate_of, estate_of_diff
from components.plan.picture.mermaid import render_mermaid
from components.plan.picture.svg import render_svg

PICTURE_FORMATS = ("dot", "mermaid", "svg")


def draw(form: str, plan: Plan, old: Plan | None = None, diff: PlanDiff | None = None) -> str:
    """The picture of `plan` in `form`; with `old` and `diff`, coloured by what changes."""
    if old is not None and diff is not None:
        estate = estate_of_diff(old, plan, diff)
    else:
        estate = estate_of(plan)
    if form == "mermaid":
        return render_mermaid(estate)
    text = render_dot(estate)
    return render_svg(text) if form == "svg" else text
