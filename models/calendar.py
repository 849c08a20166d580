"""The school calendar: which days are school days (no weekends, Swedish holidays or school breaks).

Holidays come from the `holidays` package, public and de-facto ones: Midsummer Eve, Christmas Eve
and New Year's Eve are days off in Swedish schools although they are not public holidays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

_MAX_SEARCH = 400  # days; a calendar with no school day in a year is a mistake, not a loop


@dataclass(frozen=True)
class Break:
    starts_on: date
    ends_on: date
    name: str = ""

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class SchoolCalendar:
    def __init__(self, breaks: Iterable[Break] = (), language: str = "sv") -> None:
        self.breaks = tuple(breaks)
        self._holidays = holidays.country_holidays(
            "SE",
            categories=("public", "de_facto"),
            include_sundays=False,
            language="sv" if language == "sv" else "en_US",
        )

    @classmethod
    def for_school(cls, school: object) -> SchoolCalendar:
        """The calendar of a `models.School` (its breaks and language)."""
        breaks = [Break(b.starts_on, b.ends_on, b.name) for b in getattr(school, "breaks", [])]
        return cls(breaks, getattr(school, "language", "sv"))

    def day_off(self, day: date) -> str | None:
        """Why the day is not a school day (a holiday's or break's name, or 'weekend'), or None."""
        if day.weekday() >= 5:
            return "weekend"
        holiday = self._holidays.get(day)
        if holiday:
            return str(holiday)
        for school_break in self.breaks:
            if school_break.covers(day):
                return school_break.name or "break"
        return None

    def is_school_day(self, day: date) -> bool:
        return self.day_off(day) is None

    def next_school_day(self, day: date) -> date:
        """`day` itself if it is a school day, else the first school day after it."""
        for offset in range(_MAX_SEARCH):
            candidate = day + timedelta(days=offset)
            if self.is_school_day(candidate):
                return candidate
        raise ValueError(f"no school day within {_MAX_SEARCH} days of {day}")

    def add_school_days(self, day: date, count: int) -> date:
        """The date `count` school days after `day` (which need not be a school day)."""
        current = day
        for _ in range(count):
            current = self.next_school_day(current + timedelta(days=1))
        return current

    def school_days_between(self, start: date, end: date) -> int:
        """School days after `start`, up to and including `end`."""
        days = (end - start).days
        return sum(1 for n in range(1, days + 1) if self.is_school_day(start + timedelta(days=n)))

    def add_school_hours(self, start: datetime, hours: float, timezone: str) -> datetime:
        """`start` plus `hours` counted only on school days, in the school's local time.

        A reminder "24 school hours" after a Friday 08:30 prompt falls on Monday 08:30.
        """
        zone = ZoneInfo(timezone)
        local = start.astimezone(zone)
        remaining = timedelta(hours=hours)
        day = local.date()
        cursor = local
        for _ in range(_MAX_SEARCH):
            day_end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
            if self.is_school_day(day):
                # Local wall-clock hours: a school day is 24 hours even when the clock changes.
                available = day_end.replace(tzinfo=None) - cursor.replace(tzinfo=None)
                if remaining <= available:
                    return (cursor.replace(tzinfo=None) + remaining).replace(tzinfo=zone).astimezone(UTC)
                remaining -= available
            day += timedelta(days=1)
            cursor = day_end
        raise ValueError("no school days ahead")
