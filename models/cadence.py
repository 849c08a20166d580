"""Check-in cadences: RFC 5545 recurrence rules evaluated in the school's local time.

Rules are evaluated on local wall-clock times and only then converted to UTC, so "Monday 08:30"
stays 08:30 in Stockholm on both sides of a daylight-saving change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from models.calendar import SchoolCalendar

DEFAULT_CADENCE = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=30;BYSECOND=0"


def next_occurrence(rule: str, timezone: str, after: datetime, anchor: datetime | None = None) -> datetime:
    """The first occurrence strictly after `after` (aware), returned as aware UTC.

    `anchor` is where the rule starts counting (matters for "every 2 weeks"); it defaults to `after`.
    """
    zone = ZoneInfo(timezone)
    local_after, local_start = _local_bounds(rule, zone, after, anchor)
    return _next_local(rule, timezone, local_after, local_start)


def _local_bounds(
    rule: str, zone: ZoneInfo, after: datetime, anchor: datetime | None
) -> tuple[datetime, datetime]:
    local_after = after.astimezone(zone).replace(tzinfo=None)
    local_start = (anchor or after).astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    return local_after, _near_start(rule, local_start, local_after)


def _next_local(rule: str, timezone: str, local_after: datetime, local_start: datetime) -> datetime:
    candidate = _parsed(rule, local_start).after(local_after, inc=False)
    if candidate is None:
        raise ValueError(f"cadence {rule!r} has no occurrence after {local_after.isoformat()} (local)")
    return candidate.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@lru_cache(maxsize=4096)
def _parsed(rule: str, local_start: datetime) -> rrule:
    # Parsing a rule costs more than using it, and thousands of mentorships share a few rules.
    result = rrulestr(rule, dtstart=local_start)
    assert isinstance(result, rrule)
    return result


@lru_cache(maxsize=256)
def _parts(rule: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in rule.upper().split(";") if "=" in part)


# A weekly rule that names its days, hour and minute takes nothing else from its start than the
# week it counts from; with any other part (BYSETPOS, BYMONTH ...) it is left as it is.
_PINNED = {"FREQ", "INTERVAL", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND"}


def _near_start(rule: str, local_start: datetime, local_after: datetime) -> datetime:
    """A start as close before `local_after` as gives the same occurrences as `local_start`.

    dateutil walks every occurrence from the start, so a mentorship that began a year ago would
    cost a year of steps per prompt. A weekly rule repeats every INTERVAL weeks counted from its
    start, so moving the start forward by whole periods (in local wall-clock time) changes nothing.
    When the rule names its days and time of day, the start then goes back to Monday 00:00 of its
    week: the occurrences that adds all fall a week or more before `local_after`, so the answer is
    the same, and every mentorship with the rule shares one start (and its remembered answers).
    """
    parts = _parts(rule)
    if parts.get("FREQ") != "WEEKLY" or "COUNT" in parts or "UNTIL" in parts:
        return local_start
    period = timedelta(weeks=int(parts.get("INTERVAL", "1")))
    periods = (local_after - local_start) // period - 1
    if periods <= 0:
        return local_start
    near = local_start + period * periods
    pinned = {"BYDAY", "BYHOUR", "BYMINUTE"} <= parts.keys() <= _PINNED
    if pinned and all(day.isalpha() for day in parts["BYDAY"].split(",")):
        # Monday is the week's first day (no WKST), as dateutil counts the weeks of an interval.
        return datetime.combine(near.date() - timedelta(days=near.weekday()), time())
    return near


def next_due(
    rule: str,
    timezone: str,
    after: datetime,
    calendar: SchoolCalendar,
    anchor: datetime | None = None,
) -> datetime:
    """The next occurrence, moved to the next school day (same local time) if it falls on a day off."""
    zone = ZoneInfo(timezone)
    local_after, local_start = _local_bounds(rule, zone, after, anchor)
    return _next_due(rule, timezone, local_after, local_start, calendar)


@lru_cache(maxsize=8192)
def _next_due(
    rule: str, timezone: str, local_after: datetime, local_start: datetime, calendar: SchoolCalendar
) -> datetime:
    # Remembered: the clock asks this for every due mentorship, and a batch shares a few rules,
    # one `after` (the tick's now), a few starts (see _near_start) and a few calendars.
    due = _next_local(rule, timezone, local_after, local_start)
    zone = ZoneInfo(timezone)
    local = due.astimezone(zone)
    school_day = calendar.next_school_day(local.date())
    if school_day == local.date():
        return due
    moved = datetime.combine(school_day, local.time().replace(tzinfo=None)).replace(tzinfo=zone)
    return moved.astimezone(UTC)


def time_of_day(rule: str) -> time | None:
    """The local time of day a rule's occurrences fall at (its BYHOUR and BYMINUTE), if it says."""
    parts = _parts(rule)
    try:
        return time(int(parts["BYHOUR"].split(",")[0]), int(parts.get("BYMINUTE", "0").split(",")[0]))
    except (KeyError, ValueError):
        return None


def school_day_slot(calendar: SchoolCalendar, timezone: str, day: date, at: time) -> datetime:
    """`at` in local wall-clock time on the first school day from `day` on, as aware UTC."""
    zone = ZoneInfo(timezone)
    return datetime.combine(calendar.next_school_day(day), at, tzinfo=zone).astimezone(UTC)


def next_slot(calendar: SchoolCalendar, timezone: str, after: datetime, at: time) -> datetime:
    """The first `at` on a school day strictly after `after`: where a late prompt is asked instead."""
    day = after.astimezone(ZoneInfo(timezone)).date()
    slot = school_day_slot(calendar, timezone, day, at)
    if slot > after:
        return slot
    return school_day_slot(calendar, timezone, day + timedelta(days=1), at)


CADENCE_OFF = "off"
MAX_INTERVAL_WEEKS = 8

_DAYS = {
    "MO": ("mon", "monday", "mån", "måndag", "man", "mandag"),
    "TU": ("tue", "tues", "tuesday", "tis", "tisdag"),
    "WE": ("wed", "wednesday", "ons", "onsdag"),
    "TH": ("thu", "thur", "thurs", "thursday", "tor", "tors", "torsdag"),
    "FR": ("fri", "friday", "fre", "fredag"),
}
_DAY_BY_WORD = {word: code for code, words in _DAYS.items() for word in words}
_WEEKEND = {"sat", "saturday", "sun", "sunday", "lör", "lördag", "sön", "söndag"}
_DAY_ORDER = list(_DAYS)
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
# Shaped like a time but out of range, such as 25:00 or 08:75.
_TIME_SHAPED = re.compile(r"^\d{1,2}[:.]\d{2}$")


class CadenceError(ValueError):
    """The words do not describe a cadence; `reason` says which part is wrong."""

    def __init__(self, reason: str, word: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.word = word  # the word that is wrong, where there is one


@dataclass(frozen=True)
class Cadence:
    interval_weeks: int
    weekdays: tuple[int, ...]  # 0 = Monday
    hour: int
    minute: int

    def to_rrule(self) -> str:
        days = ",".join(_DAY_ORDER[d] for d in self.weekdays)
        interval = f";INTERVAL={self.interval_weeks}" if self.interval_weeks > 1 else ""
        return f"FREQ=WEEKLY{interval};BYDAY={days};BYHOUR={self.hour};BYMINUTE={self.minute};BYSECOND=0"

    @classmethod
    def from_rrule(cls, rule: str) -> Cadence:
        parts = dict(part.split("=", 1) for part in rule.split(";"))
        return cls(
            interval_weeks=int(parts.get("INTERVAL", "1")),
            weekdays=tuple(_DAY_ORDER.index(d) for d in parts["BYDAY"].split(",")),
            hour=int(parts["BYHOUR"]),
            minute=int(parts["BYMINUTE"]),
        )


def parse_cadence(words: list[str]) -> str:
    """Plain words to an RRULE: `weekly mon 08:30`, `every 2 weeks thu 14:00`, `mon,thu 08:15`, `off`.

    Swedish works too: `varje vecka mån 08:30`, `varannan vecka tor 14:00`, `av`.
    """
    tokens = [t for word in words for t in word.lower().replace(",", " ").split()]
    if tokens in (["off"], ["av"]):
        return CADENCE_OFF
    interval = 1
    if tokens[:1] in (["weekly"], ["veckovis"]):
        tokens = tokens[1:]
    elif tokens[:2] == ["varje", "vecka"]:
        tokens = tokens[2:]
    elif tokens[:1] == ["varannan"] and tokens[1:2] == ["vecka"]:
        interval, tokens = 2, tokens[2:]
    elif tokens[:1] in (["every"], ["var"]) and len(tokens) >= 3:
        count = tokens[1].removesuffix(":e")
        if not count.isdigit() or tokens[2] not in ("week", "weeks", "vecka", "veckor"):
            raise CadenceError("interval")
        interval, tokens = int(count), tokens[3:]
    if not 1 <= interval <= MAX_INTERVAL_WEEKS:
        raise CadenceError("interval")
    if tokens and _TIME_SHAPED.match(tokens[-1]) and not _TIME.match(tokens[-1]):
        raise CadenceError("invalid_time", tokens[-1])
    if not tokens or not _TIME.match(tokens[-1]):
        raise CadenceError("time")
    time_match = _TIME.match(tokens[-1])
    assert time_match is not None
    days: set[int] = set()
    for token in tokens[:-1]:
        if token in _WEEKEND:
            raise CadenceError("weekend")
        if token not in _DAY_BY_WORD:
            raise CadenceError("day")
        days.add(_DAY_ORDER.index(_DAY_BY_WORD[token]))
    if not days:
        raise CadenceError("day")
    return Cadence(
        interval, tuple(sorted(days)), int(time_match.group(1)), int(time_match.group(2))
    ).to_rrule()


DIGEST_DEFAULT = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0;BYSECOND=0"


def previous_occurrence(rule: str, timezone: str, now: datetime, within: timedelta) -> datetime | None:
    """The latest occurrence at or before `now` and not older than `within`, as aware UTC."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    start = (now - within).astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    found = rrulestr(rule, dtstart=start).before(local_now, inc=True)
    return found.replace(tzinfo=zone).astimezone(UTC) if found else None
