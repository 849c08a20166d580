"""Skollagen 7 kap. 17 §: unexcused absence from the school's system asks the mentor, once, at the
start of the next school day, whether the guardians were told; the answer is recorded and audited."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.render_text import render_content
from handlers.attendance import AttendanceRecord, store_attendance
from handlers.results import GuardiansToldQuestion
from models import AuditEvent, GuardiansQuestion, School, migrate
from models.db import Database
from schedules.clock import Clock, ClockSettings
from schedules.retention import run_retention
from tests.clock_support import RecordingNotifier, at
from tests.driver import Driver

# March 2026: Monday 2 to Friday 6 are school days, Saturday 7 and Sunday 8 are not.
TUESDAY, FRIDAY, SATURDAY = date(2026, 3, 3), date(2026, 3, 6), date(2026, 3, 7)


@pytest.fixture
def school(bot: Driver) -> Driver:
    """7B-03 (person id S-1001) mentored by anna; 8A-11 (S-1002) has no mentor; erik is in the EHT."""
    bot.now = at(2026, 3, 2, 8)
    for line in (
        "student add 7B-03",
        "student add 8A-11",
        "assign 7B-03 @anna",
        "role add @erik eht",
        "student edit 7B-03 id=S-1001",
        "student edit 8A-11 id=S-1002",
    ):
        assert not bot.say("admin", line).outcome.refused, line
    return bot


def absence(day: date, unexcused: int = 60, person: str = "S-1001") -> AttendanceRecord:
    return AttendanceRecord(person, day, 300, max(unexcused, 60), unexcused)


def imported(db: Database, now: datetime, *records: AttendanceRecord, source: str = "SS 12000") -> None:
    with db.transaction() as session:
        store_attendance(session, session.get_one(School, 1), now, source=source, records=list(records))


def questions(notifier: RecordingNotifier) -> list[tuple[str, GuardiansToldQuestion]]:
    return [(n.to.id, n.content) for _d, n in notifier.sent if isinstance(n.content, GuardiansToldQuestion)]


def tick(db: Database, notifier: RecordingNotifier, *moments: datetime) -> None:
    """The clock at each moment; a new Clock each time, as after a restart."""
    for moment in moments:
        Clock(db, notifier, ClockSettings(), worker="test").tick(moment)


def test_asked_once_at_the_start_of_the_next_school_day_naming_the_day(school: Driver) -> None:
    notifier = RecordingNotifier()
    # The nightly sync on Wednesday reads Tuesday: an unexcused lesson.
    imported(school.db, at(2026, 3, 4, 2, 30), absence(TUESDAY))
    tick(school.db, notifier, at(2026, 3, 4, 3), at(2026, 3, 4, 6, 59))
    assert questions(notifier) == []  # not in the night
    tick(school.db, notifier, at(2026, 3, 4, 7, 1))
    [(to, question)] = questions(notifier)
    assert to == "anna" and question.student_code == "7B-03" and question.day == TUESDAY
    text = "\n".join(render_content("en", question))
    assert "SS 12000 registered unexcused absence for 7B-03 on Tuesday 3 March." in text
    assert "Were the guardians told that day? (Skollagen 7 kap. 17 §)" in text
    assert f"guardians {question.question_id} yes|no" in text
    swedish = "\n".join(render_content("sv", question))
    assert "Fick vårdnadshavarna veta det samma dag?" in swedish and "tisdag 3 mars" in swedish

    # Later ticks, a restart, and the next nights' syncs reading Tuesday again ask nothing more.
    tick(school.db, notifier, at(2026, 3, 4, 9), at(2026, 3, 4, 14))
    imported(school.db, at(2026, 3, 5, 2, 30), absence(TUESDAY, 120))
    imported(school.db, at(2026, 3, 6, 2, 30), absence(TUESDAY), source="Skola24")
    tick(school.db, notifier, at(2026, 3, 5, 7, 1), at(2026, 3, 6, 7, 1))
    assert len(questions(notifier)) == 1


def test_a_question_waits_over_the_weekend_and_a_weekend_day_is_not_asked_about(school: Driver) -> None:
    notifier = RecordingNotifier()
    # Saturday night's sync reads Friday; a registration dated Saturday is no school day's absence.
    imported(school.db, at(2026, 3, 7, 2, 30), absence(FRIDAY), absence(SATURDAY))
    tick(school.db, notifier, at(2026, 3, 7, 8), at(2026, 3, 8, 10), at(2026, 3, 9, 6))
    assert questions(notifier) == []
    tick(school.db, notifier, at(2026, 3, 9, 7, 1))
    assert [q.day for _to, q in questions(notifier)] == [FRIDAY]


def test_excused_absence_no_mentor_and_old_history_are_not_asked_about(school: Driver) -> None:
    notifier = RecordingNotifier()
    excused = AttendanceRecord("S-1001", TUESDAY, 300, 300, 0, 0, True)
    weeks_ago = absence(TUESDAY - timedelta(days=21))
    imported(school.db, at(2026, 3, 4, 2, 30), excused, weeks_ago, absence(TUESDAY, person="S-1002"))
    tick(school.db, notifier, at(2026, 3, 4, 7, 1), at(2026, 3, 5, 7, 1))
    assert questions(notifier) == []


@pytest.mark.parametrize("source", ["SS 12000", "Skola24"])
def test_a_day_excused_before_the_morning_is_not_asked_about(school: Driver, source: str) -> None:
    notifier = RecordingNotifier()
    imported(school.db, at(2026, 3, 4, 2, 30), absence(TUESDAY))
    # The absence is registered as excused before school starts: a later read of the same day, or
    # a file from the school's system imported after it (the one imported last counts).
    imported(school.db, at(2026, 3, 4, 5), AttendanceRecord("S-1001", TUESDAY, 300, 60, 0), source=source)
    tick(school.db, notifier, at(2026, 3, 4, 7, 1))
    assert questions(notifier) == []


def test_a_file_imported_during_the_day_is_asked_about_at_once(school: Driver) -> None:
    notifier = RecordingNotifier()
    imported(school.db, at(2026, 3, 4, 10), absence(TUESDAY), source="Skola24")
    tick(school.db, notifier, at(2026, 3, 4, 10, 1))
    [(_to, question)] = questions(notifier)
    assert question.source == "Skola24" and question.day == TUESDAY


def test_the_mentor_answers_yes_or_no_and_each_answer_is_audited(school: Driver) -> None:
    notifier = RecordingNotifier()
    imported(school.db, at(2026, 3, 4, 2, 30), absence(TUESDAY))
    tick(school.db, notifier, at(2026, 3, 4, 7, 1))
    [(_to, question)] = questions(notifier)
    number = question.question_id
    school.now = at(2026, 3, 4, 8)

    refused = school.say("erik", f"guardians {number} yes")
    assert refused.outcome.refused and "not one of your mentees" in refused.text
    told_reply = school.say("anna", f"guardians {number} yes")
    told = told_reply.text
    assert "Noted: the guardians of 7B-03 were told about the unexcused absence on Tuesday 3 March." in told
    # The question as sent is updated in place: answered, with no buttons left to press.
    [update] = told_reply.outcome.notifications
    assert update.to.id == "anna" and update.replaces == f"ref-{len(notifier.sent)}"
    assert "Answered: the guardians were told." in render_content("en", update.content)
    assert "Already noted" in school.say("anna", f"guardians #{number} yes").text
    school.say("anna", "language sv")
    not_told = school.say("anna", f"vårdnadshavare {number} nej").text
    assert "fick inte veta" in not_told and "kontakta dem i dag" in not_told
    assert "Användning" in school.say("anna", f"vårdnadshavare {number} kanske").text
    assert "ingen fråga nummer 999" in school.say("anna", "vårdnadshavare 999 ja").text

    with school.db.transaction() as session:
        row = session.scalars(select(GuardiansQuestion)).one()
        assert row.told is False and row.answered_by_id is not None
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("guardians.%")).order_by(AuditEvent.id)
        ).all()
    assert actions == ["guardians.asked", "guardians.told", "guardians.not_told"]


def test_another_school_s_question_cannot_be_answered(school: Driver) -> None:
    notifier = RecordingNotifier()
    imported(school.db, at(2026, 3, 4, 2, 30), absence(TUESDAY))
    tick(school.db, notifier, at(2026, 3, 4, 7, 1))
    [(_to, question)] = questions(notifier)
    school.now = at(2026, 3, 4, 8)
    school.say("admin", "student add 7B-03", workspace="school-b")
    school.say("admin", "assign 7B-03 @anna", workspace="school-b")
    reply = school.say("anna", f"guardians {question.question_id} yes", workspace="school-b")
    assert reply.outcome.refused and "no question number" in reply.text


def test_the_answer_is_in_the_student_s_export_and_goes_with_retention(school: Driver) -> None:
    notifier = RecordingNotifier()
    school.say("admin", "retention set 100 IHP 2024:3 2024-05-14")
    imported(school.db, at(2026, 3, 4, 2, 30), absence(TUESDAY))
    tick(school.db, notifier, at(2026, 3, 4, 7, 1))
    [(_to, question)] = questions(notifier)
    school.now = at(2026, 3, 4, 8)
    school.say("anna", f"guardians {question.question_id} yes")
    data = json.loads(school.say("admin", "student export 7B-03").outcome.reply[0].json)
    [answer] = data["guardians_told"]
    assert (answer["day"], answer["source"], answer["told"], answer["answered_by"]) == (
        "2026-03-03",
        "SS 12000",
        True,
        "anna",
    )
    # Period 100 days: Tuesday's question goes with Tuesday's registered day.
    list(run_retention(school.db, datetime(2026, 6, 12, 12, tzinfo=UTC), force=True))
    with school.db.transaction() as session:
        assert session.scalars(select(GuardiansQuestion)).all() == []


def test_the_migration_adds_the_table_and_takes_it_away_again(db: Database) -> None:
    migrate.downgrade(db.engine, "0016")
    assert "guardians_question" not in sa.inspect(db.engine).get_table_names()
    migrate.upgrade(db.engine)
    assert "guardians_question" in sa.inspect(db.engine).get_table_names()
