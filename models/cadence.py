"""Check-in cadences: RFC 5545 recurrence rules evaluated in the school's local time.

Rules are evaluated on local wall-clock times and only then converted to UTC, so "Monday 08:30"
stays 08:30 in Stockholm on both sides of a daylight-saving change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from models.calendar import SchoolCalendar

DEFAULT_CADENCE = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=30;BYSECOND=0"


def next_occurrence(rule: str, timezone: str, after: datetime, anchor: datetime | None = None) -> datetime:
    """The first occurrence strictly after `after` (aware), returned as aware UTC.

    `anchor` is where the rule starts counting (matters for "every 2 weeks"); it defaults to `after`.
    """
    zone = ZoneInfo(timezone)
    local_after = after.astimezone(zone).replace(tzinfo=None)
    local_start = (anchor or after).astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    occurrences = rrulestr(rule, dtstart=local_start)
    candidate = occurrences.after(local_after, inc=False)
    if candidate is None:
        raise ValueError(f"cadence {rule!r} has no occurrence after {after.isoformat()}")
    return candidate.replace(tzinfo=zone).astimezone(UTC)


def next_due(
    rule: str,
    timezone: str,
    after: datetime,
    calendar: SchoolCalendar,
    anchor: datetime | None = None,
) -> datetime:
    """The next occurrence, moved to the next school day (same local time) if it falls on a day off."""
    due = next_occurrence(rule, timezone, after, anchor)
    zone = ZoneInfo(timezone)
    local = due.astimezone(zone)
    school_day = calendar.next_school_day(local.date())
    if school_day == local.date():
        return due
    moved = datetime.combine(school_day, local.time().replace(tzinfo=None)).replace(tzinfo=zone)
    return moved.astimezone(UTC)
