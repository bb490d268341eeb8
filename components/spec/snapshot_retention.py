"""Which policy-made snapshots to keep: the prune rule of Proxmox VE and restic `forget`.

The snapshots of one VM are sorted newest first. The keep-* options are applied in the order
last, hourly, daily, weekly, monthly; each looks only at snapshots no earlier option kept:

- keep-last N keeps the N newest snapshots;
- keep-hourly/-daily/-weekly/-monthly N walk the remaining snapshots newest first and keep
  the newest snapshot of each hour (day, ISO week, month) until N such periods are kept.
  A period that already holds a snapshot kept by an earlier option is skipped and does not
  count; the other snapshots of a newly kept period are removed (no later option keeps them).
- Whatever no option kept is removed. With every option 0, everything is kept.

Periods are calendar periods in the time zone of the snapshots' timestamps (the runner's
local time). This module decides only; it never touches libvirt.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from components.spec.snapshot_policy import SnapshotPolicySettings

T = TypeVar("T")
PeriodKey = Callable[[datetime], Hashable]


def _hour(t: datetime) -> Hashable:
    return (t.year, t.month, t.day, t.hour)


def _day(t: datetime) -> Hashable:
    return (t.year, t.month, t.day)


def _week(t: datetime) -> Hashable:
    iso = t.isocalendar()
    return (iso.year, iso.week)


def _month(t: datetime) -> Hashable:
    return (t.year, t.month)


PERIODS: tuple[tuple[str, PeriodKey], ...] = (
    ("keep_hourly", _hour),
    ("keep_daily", _day),
    ("keep_weekly", _week),
    ("keep_monthly", _month),
)


@dataclass(frozen=True)
class Pruning(Generic[T]):
    """The outcome: what stays (with the option that kept it) and what goes."""

    keep: dict[int, str]
    """Index into the input → the option that kept it (`keep_last`, `keep_daily`, …)."""
    remove: list[T]
    kept: list[T]


def prune(
    items: Sequence[T],
    taken: Callable[[T], datetime],
    policy: SnapshotPolicySettings,
) -> Pruning[T]:
    """Apply `policy`'s keep-* options to `items` (any order); see the module doc."""
    order = sorted(range(len(items)), key=lambda i: taken(items[i]), reverse=True)
    if policy.keeps_everything():
        return Pruning({i: "keep_all" for i in order}, [], [items[i] for i in order])
    marks: dict[int, str] = {}
    removed: set[int] = set()
    for i in order[: policy.keep_last]:
        marks[i] = "keep_last"
    for option, period in PERIODS:
        count = getattr(policy, option)
        if not count:
            continue
        covered = {period(taken(items[i])) for i in marks}
        included: set[Hashable] = set()
        for i in order:
            if i in marks or i in removed:
                continue
            key = period(taken(items[i]))
            if key in covered:
                continue
            if key in included:
                removed.add(i)
                continue
            if len(included) >= count:
                break
            included.add(key)
            marks[i] = option
    kept = [items[i] for i in order if i in marks]
    remove = [items[i] for i in order if i not in marks]
    return Pruning(marks, remove, kept)
