"""What a harness run reports back to a test: steps per URN, stack outputs, provider calls.

The step names are the engine's (`pulumi preview` shows them as +, ~, +-, -): create, same,
update, replace, delete. Provider calls are recorded in the order they happened, so tests can
assert both "rerun without change calls only check and diff" and orderings such as
create-before-delete.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

StepOp = Literal["create", "same", "update", "replace", "delete"]
RunKind = Literal["up", "preview", "destroy"]


@dataclass(frozen=True)
class ProviderCall:
    """One call into a provider: method is check, diff, create, update, read or delete."""

    method: str
    urn: str
    resource_id: str = ""


@dataclass(frozen=True)
class LogMessage:
    """A message the user sees: what the program logged with `pulumi.log` (severity
    debug/info/warning/error, `urn` of the resource it names), or a line the provider plugin
    printed on stderr (severity info, no URN: the CLI shows it on the stack row, as printed,
    e.g. `warning: ...` from a provider's `pulumi.log.warn`)."""

    severity: str
    message: str
    urn: str = ""


class CallRecorder:
    """Collects provider calls in order; shared by the provider plugin of one run."""

    def __init__(self) -> None:
        self._calls: list[ProviderCall] = []
        self._lock = threading.Lock()

    def record(self, method: str, urn: str, resource_id: str = "") -> None:
        with self._lock:
            self._calls.append(ProviderCall(method, urn, resource_id))

    def calls(self) -> tuple[ProviderCall, ...]:
        with self._lock:
            return tuple(self._calls)


class StepLog:
    """The logical step taken for each URN, in the order the steps were decided."""

    def __init__(self) -> None:
        self._steps: dict[str, StepOp] = {}
        self._lock = threading.Lock()

    def record(self, urn: str, op: StepOp) -> None:
        with self._lock:
            self._steps.setdefault(urn, op)

    def steps(self) -> dict[str, StepOp]:
        with self._lock:
            return dict(self._steps)


def find_urn(urns: list[str], urn_or_name: str) -> str:
    """Resolve a logical name (last URN segment) or a URN to one URN of `urns`."""
    if urn_or_name in urns:
        return urn_or_name
    matches = sorted({u for u in urns if u.rsplit("::", 1)[-1] == urn_or_name})
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise KeyError(f"no resource named {urn_or_name!r}; known: {sorted(set(urns))}")
    raise KeyError(f"{urn_or_name!r} is ambiguous; use one of the URNs {matches}")


@dataclass(frozen=True)
class _CallsView:
    provider_calls: tuple[ProviderCall, ...]

    @property
    def call_counts(self) -> Counter[str]:
        """How often each provider method was called in this run."""
        return Counter(c.method for c in self.provider_calls)

    def calls(
        self, method: str | None = None, urn_or_name: str | None = None
    ) -> list[ProviderCall]:
        """The provider calls, optionally only one method and/or one resource."""
        selected = list(self.provider_calls)
        if urn_or_name is not None:
            urn = find_urn([c.urn for c in selected], urn_or_name)
            selected = [c for c in selected if c.urn == urn]
        if method is not None:
            selected = [c for c in selected if c.method == method]
        return selected


@dataclass(frozen=True)
class RunResult(_CallsView):
    """The outcome of up, preview or destroy.

    `outputs` are the stack outputs (`pulumi.export`) as plain values with secrets revealed;
    `secret_outputs` names those that are secret. In a preview, values not known before apply
    are `property_values.UNKNOWN`.
    """

    kind: RunKind = "up"
    steps: Mapping[str, StepOp] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    secret_outputs: frozenset[str] = frozenset()
    log: tuple[LogMessage, ...] = ()

    def step(self, urn_or_name: str) -> StepOp:
        """The step taken for one resource, by URN or logical name."""
        return self.steps[find_urn(list(self.steps), urn_or_name)]

    def urns_with(self, op: StepOp) -> list[str]:
        """The URNs whose step was `op`, in step order."""
        return [urn for urn, step in self.steps.items() if step == op]

    def changed(self) -> dict[str, StepOp]:
        """Every step that is not `same`: what `pulumi up` would report as changes."""
        return {urn: op for urn, op in self.steps.items() if op != "same"}


@dataclass(frozen=True)
class PropertyChange:
    """One output that differs between the state and the live object (secrets masked)."""

    key: str
    kind: Literal["added", "removed", "changed"]
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class RefreshResult(_CallsView):
    """The outcome of refresh: what drifted, what vanished, what matched the state."""

    drift: Mapping[str, tuple[PropertyChange, ...]] = field(default_factory=dict)
    vanished: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    log: tuple[LogMessage, ...] = ()

    def drift_of(self, urn_or_name: str) -> dict[str, PropertyChange]:
        """The changed outputs of one resource by key; empty when it did not drift."""
        known = [*self.drift, *self.vanished, *self.unchanged]
        urn = find_urn(known, urn_or_name)
        return {c.key: c for c in self.drift.get(urn, ())}

    @property
    def has_drift(self) -> bool:
        return bool(self.drift or self.vanished)
