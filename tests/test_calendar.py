"""The school calendar: weekends, Swedish public and de-facto holidays, and school breaks are days off."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.cadence import DEFAULT_CADENCE, next_due
from models.calendar import Break, SchoolCalendar

SPORTLOV = Break(date(2027, 2, 15), date(2027, 2, 19), "Sportlov")


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 6, 19), "Midsommarafton"),
        (date(2026, 12, 24), "Julafton"),
        (date(2026, 12, 31), "Nyårsafton"),
        (date(2027, 1, 6), "Trettondedag jul"),
        (date(2026, 11, 21), "weekend"),
        (date(2027, 2, 17), "Sportlov"),
    ],
)
def test_days_off(day: date, reason: str) -> None:
    assert SchoolCalendar([SPORTLOV]).day_off(day) == reason


def test_ordinary_monday_is_a_school_day() -> None:
    assert SchoolCalendar([SPORTLOV]).is_school_day(date(2026, 11, 23))


def test_next_and_counted_school_days() -> None:
    calendar = SchoolCalendar([SPORTLOV])
    assert calendar.next_school_day(date(2027, 2, 13)) == date(2027, 2, 22)
    assert calendar.add_school_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert calendar.school_days_between(date(2026, 11, 20), date(2026, 11, 25)) == 3


def test_a_prompt_on_a_holiday_moves_to_the_next_school_day_same_local_time() -> None:
    # Monday 6 April 2026 is Easter Monday.
    after = datetime(2026, 4, 3, 12, 0, tzinfo=UTC)
    due = next_due(DEFAULT_CADENCE, "Europe/Stockholm", after, SchoolCalendar())
    local = due.astimezone(ZoneInfo("Europe/Stockholm"))
    assert (local.date(), local.hour, local.minute) == (date(2026, 4, 7), 8, 30)


def test_a_prompt_in_a_break_waits_until_it_ends() -> None:
    after = datetime(2027, 2, 12, 12, 0, tzinfo=UTC)
    due = next_due(DEFAULT_CADENCE, "Europe/Stockholm", after, SchoolCalendar([SPORTLOV]))
    assert due.astimezone(ZoneInfo("Europe/Stockholm")).date() == date(2027, 2, 22)
