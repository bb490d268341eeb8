"""Refuse to change or delete libvirt objects this stack did not make (or adopt)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.providers.base import ProviderError
from components.spec.ownership import Ownership


def expected_owner(props: Mapping[str, Any]) -> Ownership | None:
    """The ownership tag the resource's inputs ask for."""
    raw = props.get("ownership")
    return Ownership.model_validate(raw) if raw else None


def require_owned(label: str, live: Ownership | None, expected: Ownership | None) -> None:
    """Raise unless the live object carries the ownership tag this resource wrote."""
    if expected is None:
        return
    if live is None:
        raise ProviderError(
            f"{label} carries no kvm-pulumi ownership tag: it was not made by this stack; "
            "refusing to delete it (remove it by hand if that is what you want)"
        )
    if live != expected:
        raise ProviderError(
            f"{label} belongs to {live.describe()}, not {expected.describe()}; refusing"
        )
