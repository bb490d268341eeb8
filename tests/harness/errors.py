"""Why a harness run stopped: each error names the resource and the step, like the engine's.

Every error derives from `HarnessError`, so a test can `pytest.raises(HarnessError)` broadly or
pick the precise kind. The state file is always saved before one of these is raised.
"""

from __future__ import annotations

from collections.abc import Sequence


class HarnessError(Exception):
    """A harness run (up, preview, refresh, destroy) failed."""


class ProviderStepError(HarnessError):
    """A provider method raised (or returned something the engine refuses) during a step.

    `details` holds the provider host's text, which for a raising provider is its traceback,
    exactly what `pulumi up` prints under the resource.
    """

    def __init__(self, urn: str, step: str, details: str) -> None:
        self.urn = urn
        self.step = step
        self.details = details
        super().__init__(f"{step} of {urn} failed: {_last_line(details)}\n{details}")


class CheckFailedError(ProviderStepError):
    """The provider's `check` returned failures: the engine stops before any change."""

    def __init__(self, urn: str, failures: Sequence[tuple[str, str]]) -> None:
        self.failures = tuple(failures)
        lines = "\n".join(f"  {prop}: {reason}" for prop, reason in self.failures)
        super().__init__(urn, "check", f"resource has check errors:\n{lines}")


class ProtectedResourceError(HarnessError):
    """A step would delete a resource whose `protect` option is set; nothing was deleted."""

    def __init__(self, urns: Sequence[str], operation: str) -> None:
        self.urns = tuple(urns)
        self.operation = operation
        names = ", ".join(repr(u) for u in self.urns)
        super().__init__(
            f"unable to {operation} {names}: marked for protection. To unprotect, remove the "
            "`protect` option from the resource in the program and run up first."
        )


class ProgramError(HarnessError):
    """The Pulumi program itself raised; as under the engine, no deletes were attempted."""


class UnsupportedFeatureError(HarnessError):
    """The program uses something the harness does not mirror; failing beats faking it."""


class StackLockedError(HarnessError):
    """Another `up`, `refresh` or `destroy` of the stack holds its lock; nothing was done."""


class StateFileError(HarnessError):
    """The state file is unreadable or belongs to another project or stack."""


def _last_line(details: str) -> str:
    lines = [line for line in details.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no details)"
