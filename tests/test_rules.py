"""The early-warning rules as pure functions: properties over generated histories, and exact boundaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.calendar import SchoolCalendar
from models.messages import Refused
from models.rules import (
    PARAMETERS,
    CheckInFacts,
    Situation,
    attendance_rate,
    evaluate,
    evidence_message,
    parse_threshold,
    thresholds_for,
)

CALENDAR = SchoolCalendar()
DEFAULTS = thresholds_for({})
# Mondays in an autumn term with no public holiday on a weekday: 5 school days a week.
TERM_START = date(2025, 9, 1)


def weekly(*facts: CheckInFacts) -> list[CheckInFacts]:
    return [replace(f, on=TERM_START + timedelta(weeks=i)) for i, f in enumerate(facts)]


def fired(history: list[CheckInFacts], thresholds: dict[str, int] | None = None) -> set[str]:
    situation = Situation(history[-1].on, history, TERM_START)
    return {r.rule for r in evaluate(situation, thresholds or DEFAULTS, CALENDAR)}


OK = CheckInFacts(TERM_START, ratings=(4, 4, 4, 4))

ratings = st.tuples(*[st.one_of(st.none(), st.integers(1, 5))] * 4)
check_ins = st.builds(
    CheckInFacts,
    on=st.just(TERM_START),
    met=st.booleans(),
    absent_days=st.integers(0, 5),
    absent_lessons=st.integers(0, 12),
    unexcused_lessons=st.integers(0, 6),
    late_arrivals=st.integers(0, 6),
    ratings=ratings,
    concern=st.booleans(),
)
histories = st.lists(check_ins, min_size=1, max_size=8).map(lambda facts: weekly(*facts))


@st.composite
def worse(draw: st.DrawFn, history: list[CheckInFacts]) -> list[CheckInFacts]:
    """The same history, worse: more absence anywhere; lower ratings or a concern on the newest check-in."""
    changed = []
    for facts in history:
        changed.append(
            replace(
                facts,
                absent_days=facts.absent_days + draw(st.integers(0, 3)),
                absent_lessons=facts.absent_lessons + draw(st.integers(0, 6)),
                unexcused_lessons=facts.unexcused_lessons + draw(st.integers(0, 3)),
                late_arrivals=facts.late_arrivals + draw(st.integers(0, 3)),
            )
        )
    latest = changed[-1]
    lowered = tuple(None if r is None else max(1, r - draw(st.integers(0, 2))) for r in latest.ratings)
    changed[-1] = replace(latest, ratings=lowered, concern=latest.concern or draw(st.booleans()))
    return changed


@settings(max_examples=150, deadline=None)
@given(st.data(), histories)
def test_worse_inputs_never_raise_fewer_alerts(data: st.DataObject, history: list[CheckInFacts]) -> None:
    worse_history = data.draw(worse(history))
    assert fired(history) <= fired(worse_history)


@settings(max_examples=100, deadline=None)
@given(
    histories,
    st.integers(0, 10),
    st.integers(0, 2),
    st.integers(0, 2),
    st.integers(0, 2),
)
def test_stricter_thresholds_never_raise_fewer_alerts(
    history: list[CheckInFacts], percent_up: int, days_down: int, lessons_down: int, late_down: int
) -> None:
    stricter = dict(DEFAULTS)
    stricter["attendance_percent"] = min(100, DEFAULTS["attendance_percent"] + percent_up)
    stricter["absent_days_month"] = max(1, DEFAULTS["absent_days_month"] - days_down)
    stricter["skipped_lessons_month"] = max(1, DEFAULTS["skipped_lessons_month"] - lessons_down)
    stricter["late_arrivals_month"] = max(1, DEFAULTS["late_arrivals_month"] - late_down)
    assert fired(history) <= fired(history, stricter)


@settings(max_examples=100, deadline=None)
@given(histories)
def test_identical_histories_give_identical_results(history: list[CheckInFacts]) -> None:
    situation = Situation(history[-1].on, history, TERM_START)
    copy = Situation(history[-1].on, [replace(f) for f in history], TERM_START)
    assert evaluate(situation, DEFAULTS, CALENDAR) == evaluate(copy, DEFAULTS, CALENDAR)
    for result in evaluate(situation, DEFAULTS, CALENDAR):
        evidence_message(result.rule, result.evidence)  # every fired rule can be put in words


@pytest.mark.parametrize(
    ("field", "threshold", "rule"),
    [
        ("absent_days", 3, "absent_days"),
        ("unexcused_lessons", 3, "skipped_lessons"),
        ("late_arrivals", 5, "late_arrivals"),
    ],
)
def test_monthly_markers_fire_exactly_at_the_threshold(field: str, threshold: int, rule: str) -> None:
    # Spread over two check-ins within 30 days: the month counts them together.
    below = weekly(OK, replace(OK, **{field: 1}), replace(OK, **{field: threshold - 2}))
    at = weekly(OK, replace(OK, **{field: 1}), replace(OK, **{field: threshold - 1}))
    assert rule not in fired(below)
    assert rule in fired(at)


def test_a_month_is_thirty_days() -> None:
    # 2 days, then 4 weeks later 1 more day: 28 days apart, the same month.
    history = weekly(replace(OK, absent_days=2), OK, OK, OK, replace(OK, absent_days=1))
    assert "absent_days" in fired(history)
    # 5 weeks apart: the first 2 days have left the month.
    history = weekly(replace(OK, absent_days=2), OK, OK, OK, OK, replace(OK, absent_days=1))
    assert "absent_days" not in fired(history)


def test_attendance_exactly_at_ninety_percent_does_not_alert_just_below_does() -> None:
    # Five weekly check-ins cover 20 school days of the 4-week window (the first covers the week before).
    history = weekly(OK, OK, OK, OK, replace(OK, absent_days=2))
    rate = attendance_rate(history, history[-1].on, 20, CALENDAR)
    assert rate is not None and rate.covered == 20 and rate.rate * 100 == 90
    assert "attendance" not in fired(history)
    # One single lesson more (1/6 of a day) tips it below 90 %.
    history[-1] = replace(history[-1], absent_lessons=1)
    assert "attendance" in fired(history)
    assert "attendance" not in fired(history, {**DEFAULTS, "attendance_percent": 89})


def test_attendance_prorates_a_period_that_straddles_the_window() -> None:
    # Check-ins every two weeks: the oldest period in the window is half inside it.
    history = [
        replace(OK, on=TERM_START, absent_days=0),
        replace(OK, on=TERM_START + timedelta(weeks=2), absent_days=4),
        replace(OK, on=TERM_START + timedelta(weeks=4), absent_days=0),
        replace(OK, on=TERM_START + timedelta(weeks=5), absent_days=0),
    ]
    rate = attendance_rate(history, history[-1].on, 20, CALENDAR)
    assert rate is not None
    # 4 days over a 10-school-day period, 5 of them in the window: 2 days count.
    assert rate.covered == 20 and rate.absent == 2


def test_a_rating_at_the_floor_alerts_and_two_low_in_a_row_alert() -> None:
    assert "low_rating" in fired(weekly(OK, replace(OK, ratings=(4, 4, 1, 4))))
    assert "low_rating" not in fired(weekly(OK, replace(OK, ratings=(4, 4, 2, 4))))
    assert "low_rating" in fired(weekly(replace(OK, ratings=(4, 4, 2, 4)), replace(OK, ratings=(4, 4, 2, 4))))
    # A check-in without a rating in between does not break the run.
    no_rating = replace(OK, met=False, ratings=(None, None, None, None))
    low = replace(OK, ratings=(4, 4, 2, 4))
    assert "low_rating" in fired(weekly(low, no_rating, low))


def test_a_drop_of_exactly_two_points_against_the_own_average_alerts() -> None:
    history = weekly(OK, OK, OK, replace(OK, ratings=(4, 2, 4, 4)))
    assert "rating_drop" in fired(history)
    # Average of 4, 4, 3 is 3.67: a fall to 2 is 1.67 points, under the threshold.
    history = weekly(OK, OK, replace(OK, ratings=(4, 3, 4, 4)), replace(OK, ratings=(4, 2, 4, 4)))
    assert "rating_drop" not in fired(history)
    # One earlier rating is not yet an average of the student's own.
    assert "rating_drop" not in fired(weekly(OK, replace(OK, ratings=(4, 2, 4, 4))))


def test_a_concern_always_alerts() -> None:
    assert "concern" in fired(weekly(replace(OK, concern=True, concern_domain="home")))


def test_no_contact_after_exactly_three_school_weeks() -> None:
    history = [replace(OK, on=TERM_START)]

    def no_contact(today: date) -> bool:
        situation = Situation(today, history, TERM_START)
        return bool(evaluate(situation, DEFAULTS, CALENDAR, daily=True))

    assert not no_contact(TERM_START + timedelta(days=18))  # 14 school days later
    assert no_contact(TERM_START + timedelta(days=21))  # 15 school days later
    # A check-in without contact does not count as contact.
    history.append(replace(OK, on=TERM_START + timedelta(days=14), met=False))
    assert no_contact(TERM_START + timedelta(days=21))
    # Without a mentor nobody is expected to check in.
    assert not evaluate(Situation(TERM_START + timedelta(days=40), history, None), DEFAULTS, CALENDAR, True)


def test_no_contact_counts_school_days_so_a_break_does_not_alert() -> None:
    from models.calendar import Break

    autumn_break = SchoolCalendar([Break(date(2025, 10, 27), date(2025, 10, 31), "höstlov")])
    history = [replace(OK, on=date(2025, 10, 13))]
    situation = Situation(date(2025, 11, 3), history, TERM_START)  # three weeks later, one of them a break
    assert not evaluate(situation, DEFAULTS, autumn_break, daily=True)
    assert evaluate(situation, DEFAULTS, CALENDAR, daily=True)


def test_old_absence_does_not_raise_again_without_new_absence() -> None:
    history = weekly(replace(OK, absent_days=3), OK)
    assert "absent_days" in fired(history[:1])
    assert "absent_days" not in fired(history)


def test_thresholds_from_storage_ignore_anything_invalid() -> None:
    stored = {"attendance_percent": 85, "absent_days_month": "7", "rating_floor": 99, "unknown": 1}
    values = thresholds_for(stored)
    assert values["attendance_percent"] == 85
    assert values["absent_days_month"] == 3 and values["rating_floor"] == 1
    assert set(values) == {p.name for p in PARAMETERS}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("nope", "3"),
        ("rating_floor", "5"),
        ("drop_points", "two"),
        ("average_of", "-1"),
        ("attendance_percent", "٩٠"),
    ],
)
def test_bad_threshold_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(Refused):
        parse_threshold(name, value)


def test_threshold_accepts_a_percent_sign_and_any_case() -> None:
    assert parse_threshold("Attendance_Percent", "85%") == ("attendance_percent", 85)
