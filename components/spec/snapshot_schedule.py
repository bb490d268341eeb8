"""When a snapshot policy takes its scheduled snapshot: a small grammar, or a cron expression.

    hourly                      every hour at :00        (hourly at :MM — at minute MM)
    daily at HH:MM              every day                (daily — at 00:00)
    weekly on DAY at HH:MM      DAY is mon … sun         (at HH:MM may be left out: 00:00)
    monthly on N at HH:MM       N is 1 … 28              (monthly — on the 1st at 00:00)
    M H DOM MON DOW             a standard 5-field cron expression, e.g. `30 2 * * 1-5`

Every form is translated to a cron expression and evaluated by cronsim (the evaluator of
Healthchecks, which follows Debian cron, including its DST behaviour). Times are those of the
clock the runner is given: the local time of the machine running it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from cronsim import CronSim, CronSimError

DAYS = {
    "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0,
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
    "sunday": 0,
}  # fmt: skip
KEYWORDS = ("hourly", "daily", "weekly", "monthly")
HELP = (
    "use hourly, daily at HH:MM, weekly on DAY at HH:MM, monthly on N at HH:MM or a "
    "5-field cron expression such as '0 2 * * *'"
)
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_MINUTE = re.compile(r":([0-5]\d)")


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: what the user wrote and the cron expression it means."""

    text: str
    cron: str

    def last_slot(self, now: datetime) -> datetime:
        """The latest time at or before `now` when this schedule fires.

        A snapshot is due when no scheduled snapshot was taken at or after this slot, so a
        runner that was down catches up once (not once per missed slot).
        """
        start = now.replace(microsecond=0) + timedelta(seconds=1)
        return next(CronSim(self.cron, start, reverse=True))

    def next_slot(self, after: datetime) -> datetime:
        """The first time strictly after `after` when this schedule fires."""
        return next(CronSim(self.cron, after))


def parse_schedule(text: str) -> Schedule:
    """Parse `text` (see the module doc); raise ValueError saying what is wrong."""
    words = text.strip().lower().split()
    if not words:
        raise ValueError(f"the schedule is empty; {HELP}")
    if words[0] in KEYWORDS:
        cron = _grammar(words)
    elif len(words) == 5 and all(re.fullmatch(r"[0-9*,/\-a-z#?L]+", w, re.I) for w in words):
        cron = " ".join(words)
    else:
        raise ValueError(f"unknown schedule word {words[0]!r} in {text!r}; {HELP}")
    try:
        next(CronSim(cron, datetime(2000, 1, 1)))
    except (CronSimError, StopIteration) as err:
        raise ValueError(f"{text!r} is not a valid cron expression ({err}); {HELP}") from None
    return Schedule(text.strip(), cron)


def _grammar(words: list[str]) -> str:
    kind, rest = words[0], words[1:]
    if kind == "hourly":
        minute = 0
        if rest:
            _expect(rest, 0, "at")
            if len(rest) != 2 or not _MINUTE.fullmatch(rest[1]):
                raise ValueError(f"after 'hourly at' write the minute as :MM, e.g. :15; {HELP}")
            minute = int(rest[1][1:])
        return f"{minute} * * * *"
    day_field, weekday_field = "*", "*"
    if kind in ("weekly", "monthly") and rest[:1] == ["on"]:
        if len(rest) < 2:
            raise ValueError(f"'{kind} on' needs a day; {HELP}")
        if kind == "weekly":
            weekday_field = str(_weekday(rest[1]))
        else:
            day_field = str(_month_day(rest[1]))
        rest = rest[2:]
    elif kind == "weekly":
        raise ValueError(f"'weekly' needs the day: weekly on DAY at HH:MM; {HELP}")
    elif kind == "monthly":
        day_field = "1"
    hour, minute = 0, 0
    if rest:
        _expect(rest, 0, "at")
        if len(rest) != 2:
            raise ValueError(f"expected '{kind} … at HH:MM', got {' '.join(words)!r}; {HELP}")
        hour, minute = _time(rest[1])
    return f"{minute} {hour} {day_field} * {weekday_field}"


def _expect(words: list[str], index: int, word: str) -> None:
    if words[index] != word:
        raise ValueError(f"unknown schedule word {words[index]!r} (expected {word!r}); {HELP}")


def _time(text: str) -> tuple[int, int]:
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time of day; write HH:MM (24 h), e.g. 02:30")
    return int(match.group(1)), int(match.group(2))


def _weekday(text: str) -> int:
    if text not in DAYS:
        raise ValueError(f"unknown day {text!r}; use mon, tue, wed, thu, fri, sat or sun")
    return DAYS[text]


def _month_day(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 28:
        raise ValueError(
            f"day of month {text!r} must be 1 … 28 (every month has it); for the month's end "
            "use a cron expression"
        )
    return int(text)
