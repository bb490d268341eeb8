"""The prune rule against a small reference model (hypothesis), plus worked examples.

The reference model is written differently on purpose: per option it first collects the
periods not yet covered, picks the newest N of them and keeps the newest snapshot of each —
the rule as the README states it, not as `retention.prune` loops.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from components.spec.snapshot_policy import SnapshotPolicySettings
from components.spec.snapshot_retention import prune

START = datetime(2024, 1, 1, tzinfo=UTC)

PERIOD_OF: dict[str, Callable[[datetime], Hashable]] = {
    "keep_hourly": lambda t: t.strftime("%Y-%m-%d %H"),
    "keep_daily": lambda t: t.strftime("%Y-%m-%d"),
    "keep_weekly": lambda t: t.strftime("%G-W%V"),
    "keep_monthly": lambda t: t.strftime("%Y-%m"),
}


def reference(times: list[datetime], policy: SnapshotPolicySettings) -> set[int]:
    """Indexes of `times` the rule keeps (times are distinct)."""
    newest_first = sorted(range(len(times)), key=lambda i: times[i], reverse=True)
    if policy.keeps_everything():
        return set(newest_first)
    kept = set(newest_first[: policy.keep_last])
    excluded: set[int] = set()
    for option, period in PERIOD_OF.items():
        count = getattr(policy, option)
        if not count:
            continue
        covered = {period(times[i]) for i in kept}
        open_items = [
            i
            for i in newest_first
            if i not in kept and i not in excluded and period(times[i]) not in covered
        ]
        periods: list[Hashable] = []
        for i in open_items:
            if period(times[i]) not in periods:
                periods.append(period(times[i]))
        chosen = set(periods[:count])
        for key in chosen:
            members = [i for i in open_items if period(times[i]) == key]
            kept.add(members[0])
            excluded.update(members[1:])
    return kept


keeps = st.integers(min_value=0, max_value=4)
policies = st.builds(
    SnapshotPolicySettings,
    keep_last=keeps,
    keep_hourly=keeps,
    keep_daily=keeps,
    keep_weekly=keeps,
    keep_monthly=keeps,
)
# Minutes since START, spread so histories cover hours, days, weeks and months.
offsets = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=6 * 60),
        st.integers(min_value=0, max_value=40 * 24 * 60),
        st.integers(min_value=0, max_value=200 * 24 * 60),
    ),
    max_size=40,
    unique=True,
)


@settings(max_examples=400, deadline=None)
@given(offsets=offsets, policy=policies)
def test_prune_matches_the_reference_model(offsets: list[int], policy: SnapshotPolicySettings):
    times = [START + timedelta(minutes=m) for m in offsets]
    outcome = prune(list(range(len(times))), lambda i: times[i], policy)
    assert set(outcome.kept) == reference(times, policy)
    assert set(outcome.kept) | set(outcome.remove) == set(range(len(times)))
    assert not set(outcome.kept) & set(outcome.remove)


@settings(max_examples=200, deadline=None)
@given(offsets=offsets, policy=policies)
def test_prune_is_idempotent_and_keeps_the_newest(
    offsets: list[int], policy: SnapshotPolicySettings
):
    times = [START + timedelta(minutes=m) for m in offsets]
    first = prune(list(range(len(times))), lambda i: times[i], policy)
    again = prune(first.kept, lambda i: times[i], policy)
    assert again.remove == []
    if times and not policy.keeps_everything():
        newest = max(range(len(times)), key=lambda i: times[i])
        assert newest in first.kept


def test_every_keep_zero_keeps_everything():
    times = [START + timedelta(days=d) for d in range(5)]
    outcome = prune(times, lambda t: t, SnapshotPolicySettings())
    assert outcome.remove == []


def test_worked_example():
    """Hourly snapshots for three days; keep-last 2, keep-hourly 3, keep-daily 2."""
    times = [START + timedelta(hours=h) for h in range(72)]
    policy = SnapshotPolicySettings(keep_last=2, keep_hourly=3, keep_daily=2)
    outcome = prune(times, lambda t: t, policy)
    day1, day2, day3 = (START + timedelta(days=d) for d in range(3))
    assert sorted(outcome.kept) == [
        day1 + timedelta(hours=23),  # keep-daily: newest of the first new day after day 3
        day2 + timedelta(hours=23),  # keep-daily (day 3 is covered by keep-last)
        day3 + timedelta(hours=19),  # keep-hourly: three hours not covered by keep-last
        day3 + timedelta(hours=20),
        day3 + timedelta(hours=21),
        day3 + timedelta(hours=22),  # keep-last
        day3 + timedelta(hours=23),
    ]
    assert len(outcome.remove) == 65


def test_a_week_kept_across_a_month_boundary_hides_its_other_days_from_monthly():
    """Proxmox's rule: snapshots of a newly kept period are out for later options, so the
    January days of ISO week 5 (Jan 29 - Feb 4) cannot be January's monthly snapshot."""
    times = [datetime(2024, 1, 20, 2, tzinfo=UTC) + timedelta(days=d) for d in range(13)]
    policy = SnapshotPolicySettings(keep_weekly=1, keep_monthly=2)
    outcome = prune(times, lambda t: t, policy)
    assert sorted(t.date().isoformat() for t in outcome.kept) == ["2024-01-28", "2024-02-01"]
    assert outcome.keep == {12: "keep_weekly", 8: "keep_monthly"}
