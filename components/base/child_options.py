"""The options a component's children are created with: parented to it, plus what the user
set on the component that the engine does not pass down by itself.

The Pulumi SDK already takes `protect` and the providers from the parent
(`pulumi/resource.py`, `Resource.__init__`: "Infer protection from parent", "Infer providers
… from parent") and derives each child's aliases from its parent's. It does not pass on
`retain_on_delete`, `custom_timeouts`, `ignore_changes` or `depends_on`, so those are copied
here; `ignore_changes` names the component's arguments (snake_case) or the child's inputs
(camelCase) and reaches a child only as the child's own input names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pulumi
from pydantic.alias_generators import to_camel


def child_inputs_ignored(
    ignored: list[str] | None, inputs: Collection[str], renames: Mapping[str, str] | None = None
) -> list[str]:
    """The child's input names among `ignored`: an argument renamed for the child
    (`memory` → `memoryMib`), its camelCase form, or a child input named as it is."""
    found: list[str] = []
    for name in ignored or []:
        top, _, rest = name.partition(".")
        for candidate in ((renames or {}).get(top, ""), to_camel(top), top):
            if candidate in inputs:
                found.append(candidate + (f".{rest}" if rest else ""))
                break
    return found


def child_options(
    parent: pulumi.Resource,
    opts: pulumi.ResourceOptions | None,
    inputs: Collection[str] = (),
    renames: Mapping[str, str] | None = None,
    **own: object,
) -> pulumi.ResourceOptions:
    """`ResourceOptions(parent=parent)` with the component's `retain_on_delete`,
    `custom_timeouts`, `depends_on` and (mapped to `inputs`) `ignore_changes`, then the
    child's `own` options on top (lists are joined; a child's own `retain_on_delete=True`
    stays True)."""
    given = opts or pulumi.ResourceOptions()
    inherited = pulumi.ResourceOptions(
        parent=parent,
        retain_on_delete=given.retain_on_delete,
        custom_timeouts=given.custom_timeouts,
        depends_on=given.depends_on,
        ignore_changes=child_inputs_ignored(given.ignore_changes, inputs, renames) or None,
    )
    if own.get("retain_on_delete") is False and given.retain_on_delete:
        own = {**own, "retain_on_delete": True}
    return pulumi.ResourceOptions.merge(inherited, pulumi.ResourceOptions(**own))  # type: ignore[arg-type]
