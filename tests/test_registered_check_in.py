"""The check-in form starts from what the school's system registered: one line naming the source,
the figures and since when, and the absence answers filled in for the mentor to confirm or correct;
a corrected figure is saved as the mentor gave it, and the confirmation says it differs. Without
registered days the form is as before. An imported long absence raises the case with the
7 kap. 19 a § question."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.console import Console
from bot.notify import TextNotifier
from handlers.actors import SchoolDefaults
from handlers.attendance import AttendanceRecord, store_attendance
from handlers.checkin_form import registered_answers
from handlers.results import AlertNotice, AlertStep, OpenCheckIn
from models import CheckIn, School
from models.db import Database
from models.rules import RegisteredDay
from schedules.clock import Clock
from tests.clock_support import at
from tests.driver import GOOD_CHECK_IN, Driver

MONDAY = date(2026, 3, 2)
# The week the school's system registered, Monday 2 to Wednesday 4 March 2026: a full day away
# (unexcused), a full day away (excused), and 100 minutes missed, 45 of them unexcused, one late.
WEEK = [
    AttendanceRecord("S-1001", MONDAY, 300, 300, 300, 0, True),
    AttendanceRecord("S-1001", MONDAY + timedelta(days=1), 300, 300, 0, 0, True),
    AttendanceRecord("S-1001", MONDAY + timedelta(days=2), 300, 100, 45, 1, False),
]
FIGURES = {
    "absent_days": 2,
    "unexcused_days": 1,
    "absent_lessons": 2,
    "unexcused_lessons": 1,
    "late_arrivals": 1,
}


@pytest.fixture
def school(bot: Driver) -> Driver:
    bot.now = at(2026, 2, 23, 8)
    for line in ("student add 7B-03 Alex", "assign 7B-03 @anna", "student edit 7B-03 id=S-1001", "eht #eht"):
        assert not bot.say("admin", line).outcome.refused, line
    return bot


def imported(db: Database, now: datetime, records: list[AttendanceRecord], source: str = "Skola24") -> None:
    with db.transaction() as session:
        store_attendance(session, session.get_one(School, 1), now, source=source, records=records)


def form_of(school: Driver, code: str = "7B-03") -> OpenCheckIn:
    [form] = [r for r in school.say("anna", f"checkin {code}").outcome.reply if isinstance(r, OpenCheckIn)]
    return form


def saved(db: Database) -> tuple[int, int, int, int, int]:
    with db.transaction() as session:
        row = session.scalars(select(CheckIn).order_by(CheckIn.id.desc())).first()
        assert row is not None
        return (
            row.absent_days,
            row.unexcused_days,
            row.absent_lessons,
            row.unexcused_lessons,
            row.late_arrivals,
        )


def test_registered_days_become_the_form_s_absence_answers() -> None:
    days = [
        RegisteredDay(MONDAY, 300, 300, 300, 0, True),
        RegisteredDay(MONDAY, 300, 300, 0, 0, True),
        RegisteredDay(MONDAY, 300, 100, 45, 1, False),  # 100 minutes: 2 lessons; 45 unexcused: 1
        RegisteredDay(MONDAY, 300, 0, 0, 2, False),
    ]
    assert registered_answers(days) == {**FIGURES, "late_arrivals": 3}
    assert registered_answers([]) == dict.fromkeys(FIGURES, 0)
    # Never beyond what the form accepts.
    many = [RegisteredDay(MONDAY, 300, 300, 300, 0, True)] * 70
    assert registered_answers(many)["absent_days"] == 60 == registered_answers(many)["unexcused_days"]


def test_without_registered_days_the_form_is_as_before(school: Driver) -> None:
    school.now = at(2026, 3, 5, 10)
    form = form_of(school)
    assert form.registered is None and form.prefilled == {}
    assert school.say("anna", "checkin 7B-03").text == "Check-in for 7B-03 Alex"


def test_the_form_shows_the_source_s_figures_since_the_last_check_in_and_starts_from_them(
    school: Driver,
) -> None:
    school.now = at(2026, 2, 27, 10)  # Friday the week before: the last check-in
    assert "saved" in school.check_in("anna", "7B-03").text
    imported(school.db, at(2026, 3, 5, 2, 30), WEEK)
    school.now = at(2026, 3, 5, 10)
    form = form_of(school)
    assert form.prefilled == FIGURES
    shown = school.say("anna", "checkin 7B-03").text
    assert (
        "Skola24: 2 days absent, 1 unexcused day, 2 lessons missed, 1 unexcused lesson, 1 late arrival "
        "since the last check-in (Friday 27 February)."
    ) in shown
    assert "confirm them, or correct them" in shown
    school.say("anna", "language sv")
    swedish = school.say("anna", "checkin 7B-03").text
    assert "Skola24: 2 dagars frånvaro, 1 dag med ogiltig frånvaro" in swedish
    assert "sedan förra avstämningen (fredag 27 februari)" in swedish

    # The mentor confirms: the school's figures are saved, and nothing is said to differ.
    school.say("anna", "language en")
    answers = {
        **GOOD_CHECK_IN,
        **{name: str(value) for name, value in FIGURES.items()},
        "guardians_told": "yes",
    }
    reply = school.check_in("anna", "7B-03", answers).text
    assert "Check-in for 7B-03 saved" in reply and "differ" not in reply
    assert saved(school.db) == (2, 1, 2, 1, 1)
    # The next form covers the days since this check-in: none registered yet.
    school.now = at(2026, 3, 6, 10)
    assert form_of(school).registered is None


def test_a_corrected_figure_is_saved_as_the_mentor_gave_it_and_the_reply_says_it_differs(
    school: Driver,
) -> None:
    imported(school.db, at(2026, 3, 5, 2, 30), WEEK)
    school.now = at(2026, 3, 5, 10)
    assert "in the last school week." in school.say("anna", "checkin 7B-03").text  # no check-in before
    answers = {**GOOD_CHECK_IN, **{name: str(value) for name, value in FIGURES.items()}}
    # The mentor knows Monday was a dentist's appointment the office has not registered as excused.
    answers.update(unexcused_days="0", late_arrivals="2")
    reply = school.check_in("anna", "7B-03", answers).text
    assert "Check-in for 7B-03 saved" in reply
    assert (
        "Your figures differ from the school's system and were saved as you gave them: "
        "unexcused days 0 (Skola24: 1); late arrivals 2 (Skola24: 1)."
    ) in reply
    assert saved(school.db) == (2, 0, 2, 1, 2)


def test_an_imported_long_absence_raises_the_case_with_the_investigation_question(school: Driver) -> None:
    # Three full days away in the week, registered by the school's system; the mentor types none.
    away = [AttendanceRecord("S-1001", MONDAY + timedelta(days=n), 300, 300, 0, 0, True) for n in range(3)]
    imported(school.db, at(2026, 3, 5, 2, 30), away, source="SS 12000")
    school.now = at(2026, 3, 5, 10)
    reply = school.check_in("anna", "7B-03")
    [notice] = [n.content for n in reply.outcome.notifications if isinstance(n.content, AlertNotice)]
    assert "absent_days" in {rule.rule for rule in notice.rules}
    assert notice.asks_investigation and AlertStep.ANSWER_INVESTIGATION in notice.next_steps
    [card] = [text for text in reply.sent if "Case #" in text]
    assert "3 full days absent in the last 30 days" in card
    assert "has an investigation (Skollagen 7 kap. 19 a §) been started?" in card


def test_the_console_offers_the_registered_figure_and_enter_confirms_it(db: Database) -> None:
    now = at(2026, 3, 5, 10)
    clock = Clock(db, TextNotifier(io.StringIO()), now=lambda: now)
    defaults = SchoolDefaults("Europe/Stockholm", "en", frozenset({"admin"}))
    setup = "student add 7B-03\nrole add @anna mentor\nassign 7B-03 @anna\nstudent edit 7B-03 id=S-1001\n"
    Console(db, defaults, "admin", io.StringIO(setup), io.StringIO(), clock=clock).run()
    imported(db, at(2026, 3, 5, 2, 30), WEEK)
    # met; Enter for days absent and unexcused days; 1 lesson instead of 2 (then Enter: at most 1);
    # guardians told; Enter for late arrivals; ratings, strengths, concern, note.
    answers = ["yes", "", "", "1", "", "yes", "", "4", "4", "4", "4", "Football", "no", ""]
    out = io.StringIO()
    Console(
        db, defaults, "anna", io.StringIO("checkin 7B-03\n" + "\n".join(answers) + "\n"), out, clock=clock
    ).run()
    text = out.getvalue()
    assert "Skola24: 2 days absent, 1 unexcused day, 2 lessons missed" in text
    assert "Full days absent since the last check-in? [0-60, Enter: 2]" in text
    assert "Of those lessons, how many were unexcused? [0-1, Enter: 1]" in text
    assert "lessons missed 1 (Skola24: 2)" in text
    assert saved(db) == (2, 1, 1, 1, 1)
