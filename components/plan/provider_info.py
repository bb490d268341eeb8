"""What the plan takes from a dynamic resource's provider class: change rules and spec type.

The plan records each dynamic resource's provider as `module:qualname` (see
`registrations.offline`), so a resource type added tomorrow is classified by its own
provider's rules, the same table its `diff` uses at apply, with nothing to register here.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from typing import Any, cast

from components.spec.changes import Rule
from components.spec.xmlbind import XmlModel


@functools.cache
def provider_class(reference: str | None) -> type | None:
    """The provider class a `module:qualname` names, or None when it cannot be imported."""
    if not reference or ":" not in reference:
        return None
    module_name, qualname = reference.split(":", 1)
    try:
        target: object = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return None
    return target if isinstance(target, type) else None


def change_rules(reference: str | None) -> Mapping[str, Rule] | None:
    """The provider's field classification (`rules`), or None when it has none."""
    rules = getattr(provider_class(reference), "rules", None)
    return rules if isinstance(rules, Mapping) else None


def spec_type(reference: str | None) -> type[XmlModel] | None:
    """The provider's typed spec (`spec_type`), the model that writes its libvirt XML."""
    model = getattr(provider_class(reference), "spec_type", None)
    return model if isinstance(model, type) and issubclass(model, XmlModel) else None


def normalizer(reference: str | None) -> Callable[[Mapping[str, Any]], Mapping[str, Any]]:
    """The provider's input normalisation (defaults filled in), as its diff applies it, so
    a plan made before a field existed compares equal when it means the same thing."""
    cls = provider_class(reference)
    method = getattr(cls(), "normalized", None) if cls is not None else None
    if not callable(method):
        return lambda props: props
    return cast(Callable[[Mapping[str, Any]], Mapping[str, Any]], method)
