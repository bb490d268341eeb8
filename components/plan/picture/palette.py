"""One colour per action `pulumi up` will take, shared by the DOT and Mermaid pictures.

Fill light enough to read black text on, border strong enough to tell the actions apart in
print; a delete is also dashed, so the picture says it without colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.plan.diff import CREATE, DELETE, OPTIONS_ONLY
from components.spec.changes import Effect


@dataclass(frozen=True)
class Colours:
    fill: str
    border: str
    dashed: bool = False


UNCHANGED = Colours("#ffffff", "#7a8794")
HOST = Colours("#f3f5f7", "#5b6b7b")
UPLINK = Colours("#f7f7f7", "#9aa5b1", dashed=True)

BY_ACTION: dict[str, Colours] = {
    CREATE: Colours("#d8f0d8", "#2e7d32"),
    OPTIONS_ONLY: Colours("#ececec", "#616161"),
    Effect.LIVE.value: Colours("#dbe8f7", "#1f5fa8"),
    Effect.RESTART.value: Colours("#fde7c4", "#c46a00"),
    Effect.MIGRATE.value: Colours("#eadcf5", "#7b3fa0"),
    Effect.REPLACE.value: Colours("#f8d2bf", "#b5451b"),
    DELETE: Colours("#f6d0d0", "#b71c1c", dashed=True),
}


def colours(action: str | None, kind: str = "") -> Colours:
    """The colours of an object with `action` (None: unchanged or no diff)."""
    if action is not None and action in BY_ACTION:
        return BY_ACTION[action]
    return UPLINK if kind == "uplink" else UNCHANGED
