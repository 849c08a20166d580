"""Mentors see their own mentees and log check-ins; the form's rules hold on every platform."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import joinedload

from bot.render_text import render_reply
from handlers.home import HomeSummary, home
from handlers.mentorships import mentees
from models import AuditEvent, CheckIn, CheckInKind, Member, Mentorship
from schedules.clock import Clock, ClockSettings
from tests.clock_support import RecordingNotifier, start_mentorships
from tests.driver import GOOD_CHECK_IN, Driver


@pytest.fixture
def school(bot: Driver) -> Driver:
    bot.say("admin", "student add 7B-03 Alex")
    bot.say("admin", "student add 8A-11")
    bot.say("admin", "assign 7B-03 @anna")
    bot.say("admin", "assign 8A-11 @bo")
    return bot


def saved(bot: Driver) -> list[CheckIn]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(CheckIn).options(joinedload(CheckIn.author)).order_by(CheckIn.id)))


def test_mentees_lists_only_own_with_next_due_in_local_time(school: Driver) -> None:
    text = school.say("anna", "mentees").text
    assert "7B-03 Alex" in text and "8A-11" not in text
    assert "never checked in" in text
    # The default cadence is Monday 08:30 in Stockholm.
    assert "Mon" in text and "08:30" in text


def test_mentor_cannot_list_another_mentors_mentees(school: Driver) -> None:
    reply = school.say("anna", "mentees @bo")
    assert reply.outcome.refused
    assert "8A-11" in school.say("admin", "mentees @bo").text


def test_check_in_is_saved_with_trend_and_next_due_moves(school: Driver) -> None:
    with school.db.transaction() as session:
        before = session.scalar(select(Mentorship.next_due_at).where(Mentorship.ended_at.is_(None)).limit(1))
    reply = school.check_in("anna", "7B-03")
    assert not reply.outcome.refused
    assert "Check-in for 7B-03 saved" in reply.text
    [check_in] = saved(school)
    assert check_in.met and check_in.behavioural == 4 and check_in.cognitive == 3
    assert check_in.kind is CheckInKind.ADHOC and check_in.author.user_id == "anna"
    assert check_in.recorded_at.tzinfo is not None
    text = school.say("anna", "mentees").text
    assert "last check-in" in text and "never" not in text
    with school.db.transaction() as session:
        mentorship = session.scalars(
            select(Mentorship).join(Mentorship.mentor).where(Mentorship.mentor.has(user_id="anna"))
        ).one()
        local = mentorship.next_due_at.astimezone(ZoneInfo("Europe/Stockholm"))
        assert (local.weekday(), local.hour, local.minute) == (0, 8, 30)
        assert mentorship.next_due_at > datetime.now(UTC)
        assert before is not None


def test_trend_shows_improvement(school: Driver) -> None:
    for rating in ("1", "2", "4", "5"):
        reply = school.check_in(
            "anna", "7B-03", behavioural=rating, academic=rating, cognitive=rating, affective=rating
        )
    assert "improving" in reply.text
    assert "▁" in reply.text and "█" in reply.text


def test_only_the_students_mentor_can_check_in(school: Driver) -> None:
    assert school.say("bo", "checkin 7B-03").outcome.refused
    assert school.say("admin", "checkin 7B-03").outcome.refused
    reply = school.check_in("bo", "7B-03")
    assert reply.outcome.refused and "not one of your mentees" in reply.text
    assert saved(school) == []
    assert "Check-in for 7B-03 Alex" in school.say("anna", "checkin 7B-03").text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("absent_days", "-1"),
        ("absent_days", "61"),
        ("absent_lessons", "many"),
        ("late_arrivals", "101"),
        ("behavioural", "0"),
        ("affective", "6"),
        ("academic", "3.5"),
        ("met", "perhaps"),
        ("strengths", "x" * 301),
        ("note", "x" * 1001),
    ],
)
def test_bad_answers_are_refused_field_by_field_and_nothing_saved(
    school: Driver, field: str, value: str
) -> None:
    reply = school.check_in("anna", "7B-03", **{field: value})
    assert reply.outcome.refused
    assert set(reply.outcome.form_errors) == {field}
    assert saved(school) == []


def test_unexcused_cannot_exceed_absence(school: Driver) -> None:
    reply = school.check_in("anna", "7B-03", absent_days="1", unexcused_days="2")
    assert set(reply.outcome.form_errors) == {"unexcused_days"}
    assert saved(school) == []


def test_all_errors_are_reported_at_once(school: Driver) -> None:
    reply = school.check_in("anna", "7B-03", absent_days="x", behavioural="9", concern="yes")
    assert set(reply.outcome.form_errors) == {"absent_days", "behavioural", "concern_domain"}


def test_ratings_required_when_met_optional_when_not(school: Driver) -> None:
    missing = {k: v for k, v in GOOD_CHECK_IN.items() if k != "academic"}
    assert set(school.check_in("anna", "7B-03", missing).outcome.form_errors) == {"academic"}
    reply = school.check_in("anna", "7B-03", missing, met="no", behavioural="", cognitive="-")
    assert not reply.outcome.refused
    [check_in] = saved(school)
    assert not check_in.met and check_in.academic is None and check_in.behavioural is None


def test_unexcused_absence_reminds_about_guardians(school: Driver) -> None:
    reply = school.check_in("anna", "7B-03", absent_days="2", unexcused_days="1")
    assert "guardians must be told the same day" in reply.text
    assert "guardians" not in school.check_in("anna", "7B-03").text


def test_concern_with_domain_is_recorded(school: Driver) -> None:
    school.check_in("anna", "7B-03", concern="ja", concern_domain="hem")
    [check_in] = saved(school)
    assert check_in.concern and check_in.concern_domain.value == "home"


def test_personal_identity_number_is_redacted_from_free_text(school: Driver) -> None:
    reply = school.check_in("anna", "7B-03", strengths="Talked about 900101-0017", note="ref 19900101-0017")
    assert "personal identity number was removed" in reply.text
    [check_in] = saved(school)
    assert "0017" not in check_in.strengths and "0017" not in check_in.note


def test_alerts_are_for_the_student_health_team(school: Driver) -> None:
    assert school.say("anna", "alerts").outcome.refused
    school.say("admin", "role add @erik eht")
    assert "No open cases" in school.say("erik", "alerts").text


def test_language_is_per_person(school: Driver) -> None:
    assert "Jag pratar svenska" in school.say("anna", "language sv").text
    reply = school.say("anna", "mentees")
    assert "Dina adepter" in reply.text
    assert "Your mentees" in school.say("bo", "mentees").text
    # A notification is written in the reader's language, not the sender's.
    school.say("admin", "student add 9C-02")
    sent = school.say("admin", "assign 9C-02 @anna").sent
    assert sent == ["[→ @anna] Du är nu mentor för 9C-02. Gör en avstämning med: avstämning 9C-02"]
    assert school.say("anna", "language fr").outcome.refused


def test_check_ins_are_counted_per_student(school: Driver) -> None:
    school.check_in("anna", "7B-03")
    school.check_in("bo", "8A-11", met="no", behavioural="", academic="", cognitive="", affective="")
    with school.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 2


def test_snooze_keeps_the_cadence_and_needs_a_waiting_check_in(school: Driver) -> None:
    def next_due() -> datetime | None:
        with school.db.transaction() as session:
            anna = Mentorship.mentor.has(user_id="anna")
            return session.scalars(select(Mentorship.next_due_at).where(anna)).one()

    assert "nothing to snooze" in school.say("anna", "snooze 7B-03").text
    before = next_due()
    assert before is not None
    Clock(school.db, RecordingNotifier(), worker="test").tick(before)
    assert "again on" in school.say("anna", "snooze 7B-03").text
    assert next_due() is not None and next_due() > before  # the regular round after this one
    assert school.say("bo", "snooze 7B-03").outcome.refused


def test_did_not_meet_is_logged_as_a_check_in_without_contact(school: Driver) -> None:
    assert "did not meet 7B-03" in school.say("anna", "notmet 7B-03").text
    [check_in] = saved(school)
    assert not check_in.met and check_in.kind is CheckInKind.SCHEDULED and check_in.behavioural is None
    assert "(did not meet)" in school.say("anna", "mentees").text
    assert school.say("bo", "träffades inte 7B-03").outcome.refused


def test_history_trend_word_matches_the_numbers_and_every_number_is_named(school: Driver) -> None:
    for _ in range(3):
        school.check_in("anna", "7B-03", behavioural="4", academic="4", cognitive="4", affective="4")
    reply = school.check_in(
        "anna",
        "7B-03",
        behavioural="2",
        academic="4",
        cognitive="4",
        affective="4",
        absent_days="2",
        unexcused_days="1",
    )
    assert "declining" in reply.text and "steady" not in reply.text
    history = school.say("anna", "history 7B-03").text
    assert "Engagement trend:" in history and "declining" in history and "steady" not in history
    newest = history.splitlines()[1]
    assert "days absent 2 (1 unexcused)" in newest
    assert "behaviour 2 · school work 4 · meaning 4 · belonging 4" in newest
    assert "no absence" in history.splitlines()[2]
    assert "B A C Af" not in history
    school.say("anna", "language sv")
    history = school.say("anna", "historik 7B-03").text
    assert "nedåt" in history and "stabil" not in history
    assert "frånvarodagar 2 (1 ogiltiga)" in history and "beteende 2 · skolarbete 4" in history


def test_mentees_says_a_check_in_is_waiting_now_while_a_prompt_is_open(school: Driver) -> None:
    monday = datetime(2027, 3, 1, 7, 30, tzinfo=UTC)  # 08:30 in Stockholm
    school.now = monday - timedelta(days=3)
    start_mentorships(school.db, school.now)
    Clock(school.db, RecordingNotifier(), ClockSettings(), worker="test").tick(monday + timedelta(minutes=1))
    school.now = monday + timedelta(hours=3)
    text = school.say("anna", "mentees").text
    assert "7B-03 Alex" in text and "check-in waiting now (due Mon 1 Mar 08:30)" in text
    assert "8 Mar" not in text
    school.say("anna", "language sv")
    assert "avstämning väntar nu" in school.say("anna", "adepter").text
    school.check_in("anna", "7B-03")
    text = school.say("anna", "mentees").text
    assert "väntar" not in text and "nästa mån 8 mars 08:30" in text


def test_a_mentor_withdraws_their_own_check_in_within_a_day_and_the_case_follows(school: Driver) -> None:
    school.say("admin", "eht #eht")
    school.now = datetime(2027, 3, 1, 9, tzinfo=UTC)
    school.check_in("anna", "7B-03", affective="1")  # low rating: case #1, rightly
    school.now += timedelta(days=2)
    mistaken = school.check_in("anna", "7B-03", affective="1", concern="yes", concern_domain="school")
    assert "Concern" in mistaken.text
    school.now += timedelta(hours=3)
    assert school.say("bo", "checkin undo 7B-03").outcome.refused
    reply = school.say("anna", "checkin undo 7B-03")
    assert not reply.outcome.refused
    assert "Your check-in of 7B-03 from 2027-03-03 10:00 is withdrawn" in reply.text
    assert "checkin 7B-03" in reply.text and "The alerts it raised are closed: Concern" in reply.text
    # The case's one card is updated: the concern withdrawn, the low rating's evidence without the
    # withdrawn check-in.
    [card] = reply.sent
    assert "• Low engagement (updated): affective engagement rated 1 (latest ratings 1)" in card
    assert "• Concern raised (withdrawn)" in card and card.splitlines()[0].endswith("· Low engagement")
    # The rules see what is left: the earlier low rating still holds, the concern is gone.
    open_cases = school.say("admin", "alerts").text
    assert "Low engagement" in open_cases and "Concern" not in open_cases
    history = school.say("anna", "history 7B-03").text
    check_ins, why = history.split("Why flagged, case #1:")
    assert len(check_ins.splitlines()) == 2 and "1 Mar" in check_ins and "concern" not in history.lower()
    assert "Low engagement" in why
    assert "last check-in 1 Mar" in school.say("anna", "mentees").text
    # Kept as a record, marked withdrawn, and audited.
    records = saved(school)
    assert len(records) == 2 and records[1].withdrawn_at is not None and records[0].withdrawn_at is None
    with school.db.transaction() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert "checkin.withdraw" in actions and "case.withdraw" in actions
    # Correcting it: log it again with the right answers.
    school.check_in("anna", "7B-03", affective="2")
    assert "Check-ins of 7B-03" in school.say("anna", "history 7B-03").text
    assert len(saved(school)) == 3


def test_a_case_opened_by_a_withdrawn_check_in_alone_is_closed_with_the_reason(school: Driver) -> None:
    school.say("admin", "eht #eht")
    school.check_in("anna", "7B-03", concern="yes", concern_domain="school")
    [card] = school.say("anna", "checkin undo 7B-03").sent
    assert "✅ Watch · Case #1" in card and "outcome: the check-in behind it was withdrawn" in card
    assert "No open cases." in school.say("admin", "alerts").text


def test_withdrawing_is_refused_after_a_day_or_with_nothing_to_withdraw(school: Driver) -> None:
    school.now = datetime(2027, 3, 1, 9, tzinfo=UTC)
    reply = school.say("anna", "checkin undo 7B-03")
    assert reply.outcome.refused and "You have no check-in of 7B-03 to withdraw." in reply.text
    school.check_in("anna", "7B-03")
    school.now += timedelta(hours=25)
    reply = school.say("anna", "checkin undo 7B-03")
    assert reply.outcome.refused and "more than 24 hours old" in reply.text
    assert saved(school)[0].withdrawn_at is None
    school.say("anna", "language sv")
    reply = school.say("anna", "ångra 7B-03")
    assert "mer än 24 timmar gammal och kan inte längre tas tillbaka" in reply.text
    school.check_in("anna", "7B-03")
    assert "är tillbakatagen" in school.say("anna", "ångra avstämning 7B-03").text


def test_mentees_reads_the_caseload_in_a_fixed_number_of_statements(school: Driver) -> None:
    """However many mentees, the list costs the same few statements (no query per mentee)."""

    def statements_for_mentees() -> tuple[int, str]:
        seen: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            seen.append(statement)

        with school.db.transaction() as session:
            # As the dispatcher hands it over: the member with their school.
            anna = session.scalars(
                select(Member).options(joinedload(Member.school)).where(Member.user_id == "anna")
            ).one()
            event.listen(school.db.engine, "before_cursor_execute", count)
            try:
                [listing] = mentees(session, anna, datetime.now(UTC)).reply
            finally:
                event.remove(school.db.engine, "before_cursor_execute", count)
        return len(seen), "\n".join(render_reply("en", listing))

    school.check_in("anna", "7B-03")
    few, _ = statements_for_mentees()
    for n in range(8):
        school.say("admin", f"student add 9X-{n:02}")
        school.say("admin", f"assign 9X-{n:02} @anna")
        school.check_in("anna", f"9X-{n:02}", met="no")
    many, shown = statements_for_mentees()
    assert many == few <= 3
    assert shown.count("9X-") == 8 and "7B-03" in shown and "did not meet" in shown.lower()


def _statements(db: object, run: Callable[[], object]) -> int:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = db.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_returning_mentor_asks_and_sees_home_in_a_fixed_number_of_statements(school: Driver) -> None:
    """The whole command (who asks, the transaction, the list) and App Home's caseload stay the
    same few statements however many mentees the mentor has."""

    def app_home() -> None:
        with school.db.transaction() as session:
            anna = session.scalars(
                select(Member).options(joinedload(Member.school)).where(Member.user_id == "anna")
            ).one()
            [summary] = home(session, anna, datetime.now(UTC)).reply
            assert isinstance(summary, HomeSummary) and summary.caseload

    school.check_in("anna", "7B-03")
    command, overview = (
        _statements(school.db, lambda: school.say("anna", "mentees")),
        _statements(school.db, app_home),
    )
    for n in range(6):
        school.say("admin", f"student add 9X-{n:02}")
        school.say("admin", f"assign 9X-{n:02} @anna")
        school.check_in("anna", f"9X-{n:02}")
    assert _statements(school.db, lambda: school.say("anna", "mentees")) == command <= 3
    assert _statements(school.db, app_home) == overview <= 3
    assert school.say("anna", "mentees").text.count("9X-") == 6
