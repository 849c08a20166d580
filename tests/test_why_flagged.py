"""Why was this student flagged: each rule in words with the threshold and the student's own numbers
(from real evidence, in both languages), *not relevant* as an outcome counted per rule in the
backtest's precision, and the channel fatigue model, on hand-computed data."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.i18n import translate
from handlers.early_warning import backtest_school
from models import Alert, AlertCase, School, Student
from models.backtest import Crossing
from models.calendar import SchoolCalendar
from models.fatigue import Pace, fatigue
from models.flagged import why_flagged
from models.rules import CheckInFacts, Situation, evaluate, thresholds_for
from tests.case_support import add_case, eht_school
from tests.driver import Driver

CALENDAR = SchoolCalendar()
DEFAULTS = thresholds_for({})
TERM_START = date(2025, 9, 1)  # a Monday; no weekday holiday until November
OK = CheckInFacts(TERM_START, ratings=(4, 4, 4, 4))
NOTE = "Mamma sjuk, bor hos mormor"


def weekly(*facts: CheckInFacts) -> list[CheckInFacts]:
    return [replace(f, on=TERM_START + timedelta(weeks=i)) for i, f in enumerate(facts)]


def explained(situation: Situation, daily: bool = False) -> dict[str, tuple[str, str]]:
    """Each rule that fires, explained from its own evidence in English and Swedish."""
    return {
        result.rule: (
            translate("en", why_flagged(result.rule, result.evidence, DEFAULTS)),
            translate("sv", why_flagged(result.rule, result.evidence, DEFAULTS)),
        )
        for result in evaluate(situation, DEFAULTS, CALENDAR, daily=daily)
    }


def test_each_check_in_rule_is_explained_with_its_threshold_and_the_students_numbers() -> None:
    # Four weeks of check-ins covering 20 school days; the last one: 3 days and a lesson away,
    # 3 unexcused lessons, 5 late arrivals, affective engagement 1 after three 4s, a concern about home.
    worst = replace(
        OK,
        absent_days=3,
        absent_lessons=1,
        unexcused_lessons=3,
        late_arrivals=5,
        ratings=(4, 4, 4, 1),
        concern=True,
        concern_domain="home",
    )
    history = weekly(OK, OK, OK, worst)
    # 1 - (3 + 1/6) / 20 = 84.17 %.
    assert explained(Situation(history[-1].on, history, TERM_START)) == {
        "attendance": (
            "Attendance 84.2% over the last 4 school weeks (threshold 90%)",
            "Närvaro 84,2 % de senaste 4 skolveckorna (gräns 90 %)",
        ),
        "absent_days": (
            "3 full days absent in the last 30 days (threshold 3)",
            "3 hela dagars frånvaro de senaste 30 dagarna (gräns 3)",
        ),
        "skipped_lessons": (
            "3 unexcused lessons in the last 30 days (threshold 3)",
            "3 lektioner med ogiltig frånvaro de senaste 30 dagarna (gräns 3)",
        ),
        "late_arrivals": (
            "5 late arrivals in the last 30 days (threshold 5)",
            "5 sena ankomster de senaste 30 dagarna (gräns 5)",
        ),
        "low_rating": (
            "affective engagement rated 1, latest ratings 4, 4, 4, 1 "
            "(threshold: 1 or lower, or 2 or lower 2 check-ins in a row)",
            "känslomässigt engagemang bedömt till 1, senaste bedömningar 4, 4, 4, 1 "
            "(gräns: 1 eller lägre, eller 2 eller lägre 2 avstämningar i rad)",
        ),
        "rating_drop": (
            "affective engagement fell to 1 from the student's own average of 4 "
            "(threshold: a drop of 2 points)",
            "känslomässigt engagemang sjönk till 1 från elevens eget snitt 4 (gräns: en nedgång på 2 poäng)",
        ),
        "concern": (
            "The mentor raised a concern about home and family (every concern is flagged)",
            "Mentorn lyfte en oro om hem och familj (varje oro larmar)",
        ),
    }


def test_attendance_over_fewer_days_than_the_window_says_how_many() -> None:
    # A new student's first check-ins cover 10 school days: 2 days away is 80 %.
    history = weekly(OK, replace(OK, absent_days=2))
    assert explained(Situation(history[-1].on, history, TERM_START))["attendance"] == (
        "Attendance 80% over the last 10 school days (threshold 90%)",
        "Närvaro 80 % de senaste 10 skoldagarna (gräns 90 %)",
    )


def test_no_contact_is_explained_with_the_date_and_the_weeks() -> None:
    three_weeks_on = TERM_START + timedelta(weeks=3)
    assert explained(Situation(three_weeks_on, [], TERM_START), daily=True) == {
        "no_contact": (
            "No check-in with contact since the mentorship began on Monday 1 September "
            "(threshold 3 school weeks)",
            "Ingen avstämning med kontakt sedan mentorskapet började måndag 1 september (gräns 3 skolveckor)",
        )
    }
    met_once = [OK]
    assert explained(Situation(three_weeks_on, met_once, TERM_START - timedelta(weeks=4)), daily=True) == {
        "no_contact": (
            "No check-in with contact since Monday 1 September (threshold 3 school weeks)",
            "Ingen avstämning med kontakt sedan måndag 1 september (gräns 3 skolveckor)",
        )
    }


def test_the_threshold_shown_is_the_one_the_rule_crossed_not_todays() -> None:
    strict = thresholds_for({"absent_days_month": 2})
    history = weekly(OK, replace(OK, absent_days=2))
    situation = Situation(history[-1].on, history, TERM_START)
    [result] = [r for r in evaluate(situation, strict, CALENDAR) if r.rule == "absent_days"]
    # The school has since gone back to 3: the card still says what flagged the student.
    assert translate("en", why_flagged(result.rule, result.evidence, DEFAULTS)) == (
        "2 full days absent in the last 30 days (threshold 2)"
    )
    # Evidence stored before thresholds were kept in it falls back to the school's current ones.
    assert translate("sv", why_flagged("absent_days", {"count": 4}, strict)) == (
        "4 hela dagars frånvaro de senaste 30 dagarna (gräns 2)"
    )


@pytest.fixture
def school(bot: Driver) -> Driver:
    return eht_school(bot)


def test_the_card_history_and_log_explain_the_rules_and_never_show_the_note(
    school: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reply = school.check_in("anna", "7B-03", affective="1", note=NOTE)
    [card] = reply.sent
    assert "    affective engagement rated 1, latest ratings 1 (threshold: 1 or lower," in card
    history = school.say("erik", "history 7B-03").text
    assert "Why flagged, case #1:" in history
    assert "  • Low engagement: affective engagement rated 1 (latest ratings 1) ▁" in history.splitlines()
    assert "    affective engagement rated 1, latest ratings 1 (threshold: 1 or lower" in history
    school.say("erik", "language sv")
    swedish = school.say("erik", "historik 7B-03").text
    assert "Därför flaggades eleven, ärende nr 1:" in swedish
    assert "känslomässigt engagemang bedömt till 1, senaste bedömningar 1 (gräns: 1 eller lägre" in swedish
    resolved = school.say("erik", "larm avsluta 1 inte relevant")
    assert "Ärende nr 1 för 7B-03 är avslutat" in resolved.text
    [updated] = resolved.sent  # the channel reads the school's language, English here
    assert "outcome: not relevant" in updated
    # The mentor still reads why, once the case is closed.
    after = school.say("anna", "history 7B-03").text
    assert "Why flagged, case #1 (resolved):" in after
    for text in (card, history, swedish, updated, after, caplog.text):
        assert "mormor" not in text


@pytest.mark.parametrize("typed", ["not_relevant", "not relevant", "inte_relevant", "Inte relevant"])
def test_not_relevant_is_an_outcome_in_english_and_swedish(school: Driver, typed: str) -> None:
    school.check_in("anna", "7B-03", affective="1")
    reply = school.say("erik", f"alert resolve 1 {typed} 2099-01-05")
    assert "resolved" in reply.text
    with school.db.transaction() as session:
        [case] = session.scalars(select(AlertCase)).all()
        assert (case.outcome, case.follow_up_on) == ("not_relevant", date(2099, 1, 5))
    assert "outcome: not relevant" in reply.sent[0]


def test_backtest_counts_per_rule_the_cases_the_eht_closed_as_not_relevant(school: Driver) -> None:
    start = datetime(2025, 9, 1, 8, tzinfo=UTC)
    day = timedelta(days=1)
    with school.db.transaction() as session:
        term_school = session.scalars(select(School).where(School.workspace_id == "school-a")).one()
        alex = session.scalars(select(Student).where(Student.code == "7B-03")).one()
        bea = Student(school=term_school, code="8A-11", created_at=start)
        cim = Student(school=term_school, code="9C-02", created_at=start)
        session.add_all([bea, cim])
        session.flush()

        def case(student: Student, rules: list[str], opened: datetime, outcome: str | None) -> None:
            resolved = opened + 2 * day if outcome else None
            add_case(session, student, rules[0], opened, opened + day, resolved, outcome)
            session.flush()
            [made] = session.scalars(select(AlertCase).where(AlertCase.opened_at == opened)).all()
            for rule in rules[1:]:
                session.add(Alert(case=made, student=student, rule=rule, opened_at=opened, updated_at=opened))

        case(alex, ["attendance", "absent_days"], start, "not_relevant")
        case(bea, ["attendance"], start + day, "talked")
        case(cim, ["low_rating"], start + 2 * day, None)
        case(alex, ["absent_days"], start + 10 * day, "not_relevant")
        case(bea, ["concern"], start + 11 * day, "withdrawn")  # its check-in was withdrawn: not counted
        case(alex, ["low_rating", "concern"], start + 20 * day, "not_relevant")
        [last] = session.scalars(select(AlertCase).where(AlertCase.opened_at == start + 20 * day)).all()
        for alert in last.alerts:
            if alert.rule == "concern":
                alert.withdrawn_at = start + 20 * day  # withdrawn from the case: not counted
        case(bea, ["late_arrivals"], start - 5 * day, "not_relevant")  # before the period
    with school.db.transaction() as session:
        term_school = session.scalars(select(School).where(School.workspace_id == "school-a")).one()
        _, rows, _ = backtest_school(session, term_school, start.date(), date(2025, 10, 31))
    figures = {r.rule: (r.cases, r.closed, r.not_relevant, r.precision) for r in rows}
    assert figures["attendance"] == (2, 2, 1, 0.5)
    assert figures["absent_days"] == (2, 2, 2, 0.0)
    assert figures["low_rating"] == (2, 1, 1, 0.0)
    assert figures["concern"] == (0, 0, 0, None)
    assert figures["late_arrivals"] == (0, 0, 0, None)


def _term(attendance_percent: float) -> list[Crossing]:
    monday = TERM_START
    return [
        Crossing(monday, "attendance", {"percent": attendance_percent}),
        Crossing(monday, "absent_days", {"days": 4}),
        Crossing(monday, "low_rating", {}),
        Crossing(monday + timedelta(days=8), "concern", {"domain": "school"}),  # Tuesday next week: open
        Crossing(monday + timedelta(days=15), "low_rating", {}),  # after both were resolved (10 school days)
        Crossing(monday + timedelta(days=28), "late_arrivals", {}),  # Monday 29th: a repost would be too late
    ]


def test_fatigue_counts_a_card_per_rule_reposted_against_one_case_per_student() -> None:
    every_case = thresholds_for({"channel_risk": 1, "reraise_days": 3})
    student = _term(85)
    counted = fatigue([student, []], CALENDAR, TERM_START, date(2025, 9, 30), every_case, Pace(5, 10))
    # Before: each rule card posted and reposted 3 school days later (acknowledged after 5):
    # 4 rules x 2 + low_rating again x 2 + late_arrivals once = 11.
    # After: the case (posted, re-raised once), and a new case on the 16th (posted, re-raised) = 4.
    assert (counted.students, counted.days, counted.before, counted.after) == (2, 30, 11, 4)
    assert counted.per_week(counted.before) == pytest.approx(11 * 7 / 30)
    assert counted.per_student_month(counted.after) == pytest.approx(4 / 2 / (30 / (365.25 / 12)))
    assert counted.ratio == pytest.approx(4 / 11)
    # A team that acknowledges within the re-raise time gets no repost under either policy.
    quick = fatigue([student], CALENDAR, TERM_START, date(2025, 9, 30), every_case, Pace(2, 10))
    assert (quick.before, quick.after) == (6, 2)


def test_by_default_watch_cases_wait_for_the_summary_and_a_case_is_raised_again_after_a_week() -> None:
    defaults = thresholds_for(None)
    student = _term(85)
    counted = fatigue([student], CALENDAR, TERM_START, date(2025, 9, 30), defaults, Pace(5, 10))
    # The old policy is what it was (reposts every 3 school days): 11. Today: the first case is at
    # risk (absence) and posted once, acknowledged within the week; the second only ever holds
    # watch rules (a low rating, lateness), so it waits for the weekly summary.
    assert (counted.before, counted.after) == (11, 1)
    slow = fatigue([student], CALENDAR, TERM_START, date(2025, 9, 30), defaults, Pace(20, 40))
    assert slow.after == 2  # nobody acknowledged in a week: raised once more, then coordinators
    # A school that posts only urgent cases at once: attendance below 80 % is urgent, 85 % is not.
    urgent_only = thresholds_for({"channel_risk": 3})
    assert fatigue([_term(85)], CALENDAR, TERM_START, date(2025, 9, 30), urgent_only).after == 0
    assert fatigue([_term(75)], CALENDAR, TERM_START, date(2025, 9, 30), urgent_only).after == 1
