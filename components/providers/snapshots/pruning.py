"""What the scheduled runner and the domain provider share about policy snapshots: the
pre-change name, the local clock, the errors a host or VM may raise, and which policy-made
snapshots the retention rule removes. Lives with the libvirt snapshot code so the providers
never import the runner (which imports them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

import libvirt

from components.providers.snapshots.operations import SnapshotInfo
from components.spec.snapshot_policy import SnapshotPolicySettings
from components.spec.snapshot_retention import prune

RUN_ERRORS = (libvirt.libvirtError, RuntimeError, ValueError, OSError)
"""What a failing host or VM raises; anything else is a bug and stops the run."""


def local_clock() -> datetime:
    """Now, in this machine's local time zone (schedules are local times)."""
    return datetime.now().astimezone()


def pre_change_name(now: datetime) -> str:
    return f"pre-change-{now:%Y%m%d-%H%M%S}"


def local(t: datetime, tz: tzinfo | None) -> datetime:
    """`t` in the runner's time zone (None: this machine's, DST-aware per instant)."""
    return t.astimezone(tz) if tz is not None else t.astimezone()


@dataclass(frozen=True)
class Candidate:
    """A policy-made snapshot (existing or about to be taken) as the prune rule sees it."""

    name: str
    taken: datetime


def prunable(
    policy: SnapshotPolicySettings,
    snapshots: Sequence[SnapshotInfo],
    tz: tzinfo | None,
    adding: Candidate | None = None,
) -> list[str]:
    """Names of the policy-made snapshots the prune rule removes (`adding` counts as taken)."""
    candidates = [
        Candidate(s.name, local(s.taken, tz))
        for s in snapshots
        if s.tag is not None and s.tag.prunable
    ]
    if adding is not None:
        candidates.append(adding)
    outcome = prune(candidates, lambda c: c.taken, policy)
    return [c.name for c in outcome.remove if adding is None or c.name != adding.name]
