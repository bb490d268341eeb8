"""The desired state of one resource, read from the SDK's RegisterResource request.

This is what the engine calls the "goal" (`resource.Goal`): type, name, parent, inputs,
dependencies and the resource options the harness mirrors (`protect`, `deleteBeforeReplace`,
`ignoreChanges` on top-level properties, `additionalSecretOutputs`, `retainOnDelete`). Options
the harness does not mirror fail loudly rather than being silently ignored, so a test never
passes on behaviour the real engine would not show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.harness.errors import UnsupportedFeatureError
from tests.harness.property_values import PropertyMap, struct_to_wire

STACK_TYPE = "pulumi:pulumi:Stack"
DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic"


@dataclass(frozen=True)
class Goal:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str = ""
    inputs: PropertyMap = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    protect: bool | None = None
    delete_before_replace: bool | None = None
    ignore_changes: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    retain_on_delete: bool | None = None

    @property
    def is_dynamic(self) -> bool:
        """Served by the Python dynamic provider host (`pulumi.dynamic.Resource`)."""
        return self.type.startswith(DYNAMIC_TYPE_PREFIX)


def goal_from_request(urn: str, request: Any) -> Goal:
    """Read a `RegisterResourceRequest`, refusing options the harness does not mirror."""
    _refuse_unsupported_options(urn, request)
    return Goal(
        urn=urn,
        type=request.type,
        name=request.name,
        custom=request.custom,
        parent=request.parent,
        inputs=struct_to_wire(request.object),
        dependencies=tuple(request.dependencies),
        property_dependencies={
            key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
        },
        protect=request.protect if request.HasField("protect") else None,
        delete_before_replace=(
            request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None
        ),
        ignore_changes=tuple(request.ignoreChanges),
        additional_secret_outputs=tuple(request.additionalSecretOutputs),
        retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
    )


def _refuse_unsupported_options(urn: str, request: Any) -> None:
    if request.custom and not request.type.startswith(DYNAMIC_TYPE_PREFIX):
        raise UnsupportedFeatureError(
            f"{urn}: only Python dynamic resources can be run by the harness; "
            f"{request.type!r} needs a provider plugin"
        )
    refused = {
        "import (opts.import_)": bool(request.importId),
        "aliases": bool(request.aliases) or bool(request.aliasURNs),
        "replace_on_changes": bool(request.replaceOnChanges),
        "deleted_with": bool(request.deletedWith),
        "replace_with": bool(request.replace_with),
        "replacement_trigger": request.HasField("replacement_trigger"),
        "transforms": bool(request.transforms),
        "hooks": request.HasField("hooks") and request.hooks.ByteSize() > 0,
        "an explicit provider (opts.provider)": bool(request.provider),
        "remote (multi-language) components": request.remote,
    }
    nested = [p for p in request.ignoreChanges if any(c in p for c in ".[]")]
    if nested:
        refused[f"ignore_changes on nested paths {nested}"] = True
    used = [name for name, present in refused.items() if present]
    if used:
        raise UnsupportedFeatureError(f"{urn}: the harness does not mirror {', '.join(used)}")
