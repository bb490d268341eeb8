"""The schedule grammar: what each form means in cron, its latest slot, and clear errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from components.spec.snapshot_schedule import parse_schedule

NOW = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # a Wednesday, exactly 02:00


@pytest.mark.parametrize(
    ("text", "cron", "last"),
    [
        ("hourly", "0 * * * *", datetime(2024, 5, 1, 2, 0)),
        ("hourly at :15", "15 * * * *", datetime(2024, 5, 1, 1, 15)),
        ("daily", "0 0 * * *", datetime(2024, 5, 1, 0, 0)),
        ("Daily at 02:00", "0 2 * * *", datetime(2024, 5, 1, 2, 0)),
        ("daily at 2:30", "30 2 * * *", datetime(2024, 4, 30, 2, 30)),
        ("weekly on sun at 03:30", "30 3 * * 0", datetime(2024, 4, 28, 3, 30)),
        ("weekly on friday", "0 0 * * 5", datetime(2024, 4, 26, 0, 0)),
        ("monthly", "0 0 1 * *", datetime(2024, 5, 1, 0, 0)),
        ("monthly on 5 at 01:00", "0 1 5 * *", datetime(2024, 4, 5, 1, 0)),
        ("30 2 * * 1-5", "30 2 * * 1-5", datetime(2024, 4, 30, 2, 30)),
    ],
)
def test_forms_and_their_latest_slot(text: str, cron: str, last: datetime):
    schedule = parse_schedule(text)
    assert schedule.cron == cron
    assert schedule.last_slot(NOW) == last.replace(tzinfo=UTC)


def test_next_slot_is_strictly_after():
    schedule = parse_schedule("daily at 02:00")
    assert schedule.next_slot(NOW) == datetime(2024, 5, 2, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nightly", "unknown schedule word 'nightly'"),
        ("every day", "unknown schedule word 'every'"),
        ("daily at 25:00", "'25:00' is not a time of day"),
        ("daily at 2am", "'2am' is not a time of day"),
        ("daily on mon", "unknown schedule word 'on'"),
        ("weekly", "'weekly' needs the day"),
        ("weekly on funday", "unknown day 'funday'"),
        ("monthly on 31", "day of month '31' must be 1 … 28"),
        ("hourly at 15", "write the minute as :MM"),
        ("61 * * * *", "is not a valid cron expression"),
        ("", "the schedule is empty"),
    ],
)
def test_bad_schedules_say_what_is_wrong(text: str, message: str):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_schedule(text)
