"""What a conversion could not carry over, and what the operator should do about it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One thing the new stack does not describe: `subject` (the old resource), `what` has
    no equivalent, and `action` says what to do. Such parts stay on the host untouched."""

    subject: str
    what: str
    action: str

    def line(self) -> str:
        """`subject: what — action` for the report and the stack file's header."""
        return f"{self.subject}: {self.what} — {self.action}"


KEPT_AS_IS = "kept on the host as it is (the adoption leaves XML it does not model alone)"
