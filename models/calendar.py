"""The school calendar: which days are school days (no weekends, Swedish holidays or school breaks).

Holidays come from the `holidays` package, public and de-facto ones: Midsummer Eve, Christmas Eve
and New Year's Eve are days off in Swedish schools although they are not public holidays.

Building a calendar loads the holidays, which costs more than all the prompts of a school's batch,
so a process keeps the calendars it has built. A calendar is kept under what it is made of (the
school's breaks and language), never under the school's id: a school whose breaks change gets a
new calendar the moment the change is read, in every process, with no version to remember to bump.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
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
    """Immutable once built: equal (and hashed) by its breaks and language, so answers computed
    with one calendar can be remembered for every school whose calendar is the same."""

    def __init__(self, breaks: Iterable[Break] = (), language: str = "sv") -> None:
        self.breaks = tuple(breaks)
        self.language = language
        self._holidays = holidays.country_holidays(
            "SE",
            categories=("public", "de_facto"),
            include_sundays=False,
            language="sv" if language == "sv" else "en_US",
        )
        # `holidays` fills in a year on its first look-up; a kept calendar is shared by threads.
        self._years: set[int] = set()
        self._filling = threading.Lock()

    @classmethod
    def for_school(cls, school: object) -> SchoolCalendar:
        """The calendar of a `models.School` (its breaks and language), built once per process."""
        breaks = tuple(Break(b.starts_on, b.ends_on, b.name) for b in getattr(school, "breaks", []))
        return calendar_of(breaks, getattr(school, "language", "sv"))

    def _key(self) -> tuple[tuple[Break, ...], str]:
        return self.breaks, self.language

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SchoolCalendar) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _holiday(self, day: date) -> str | None:
        if day.year not in self._years:
            with self._filling:
                holiday = self._holidays.get(day)
                self._years.add(day.year)
                return holiday
        return self._holidays.get(day)

    def day_off(self, day: date) -> str | None:
        """Why the day is not a school day (a holiday's or break's name, or 'weekend'), or None."""
        if day.weekday() >= 5:
            return "weekend"
        holiday = self._holiday(day)
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


@lru_cache(maxsize=1024)
def calendar_of(breaks: tuple[Break, ...], language: str = "sv") -> SchoolCalendar:
    """The process's calendar made of these breaks and language (see the module's docstring)."""
    return SchoolCalendar(breaks, language)
