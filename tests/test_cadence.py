"""Cadences are evaluated in local time, so 08:30 stays 08:30 across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from models.cadence import DEFAULT_CADENCE, Cadence, next_occurrence

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def test_default_is_monday_0830_local() -> None:
    friday = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    due = local(next_occurrence(DEFAULT_CADENCE, "Europe/Stockholm", friday))
    assert (due.date().isoformat(), due.hour, due.minute) == ("2026-11-23", 8, 30)


def test_across_the_october_change() -> None:
    # Summer time ends on Sunday 25 October 2026: Monday 26th is in winter time (UTC+1).
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    due = next_occurrence(DEFAULT_CADENCE, "Europe/Stockholm", saturday)
    assert local(due).hour == 8 and local(due).minute == 30
    assert due == datetime(2026, 10, 26, 7, 30, tzinfo=UTC)


def test_across_the_march_change() -> None:
    # Summer time starts on Sunday 29 March 2026: Monday 30th is UTC+2.
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    due = next_occurrence(DEFAULT_CADENCE, "Europe/Stockholm", saturday)
    assert due == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)


def test_the_occurrence_itself_is_not_next() -> None:
    monday_0830 = datetime(2026, 11, 23, 8, 30, tzinfo=STOCKHOLM)
    due = next_occurrence(DEFAULT_CADENCE, "Europe/Stockholm", monday_0830)
    assert local(due).date().isoformat() == "2026-11-30"


def test_every_two_weeks_counts_from_the_anchor() -> None:
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=14;BYMINUTE=0;BYSECOND=0"
    anchor = datetime(2026, 11, 2, 9, 0, tzinfo=STOCKHOLM)  # a Monday
    after = datetime(2026, 11, 6, 9, 0, tzinfo=STOCKHOLM)  # the Friday of the anchor week
    due = local(next_occurrence(rule, "Europe/Stockholm", after, anchor=anchor))
    assert due.date().isoformat() == "2026-11-19" and due.hour == 14


cadences = st.builds(
    Cadence,
    interval_weeks=st.integers(1, 8),
    weekdays=st.lists(st.integers(0, 4), min_size=1, max_size=5, unique=True).map(lambda d: tuple(sorted(d))),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)


@settings(max_examples=300, deadline=None)
@given(
    cadences,
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.timedeltas(timedelta(days=-30), timedelta(days=400)),
)
def test_the_next_occurrence_is_the_rules_own_however_long_ago_it_started(
    cadence: Cadence, anchor: datetime, since: timedelta
) -> None:
    """Counted from the mentorship's start, every occurrence walked: the shortcuts change nothing."""
    rule, after = cadence.to_rrule(), anchor + since
    start = local(anchor).replace(tzinfo=None, second=0, microsecond=0)
    walked = rrulestr(rule, dtstart=start).after(local(after).replace(tzinfo=None), inc=False)
    assert next_occurrence(rule, "Europe/Stockholm", after, anchor=anchor) == walked.replace(
        tzinfo=STOCKHOLM
    ).astimezone(UTC)
