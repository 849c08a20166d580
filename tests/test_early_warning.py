"""Early warning as the EHT and mentors see it: alerts in the channel, the lifecycle, re-raise, backtest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.render_text import render_notification
from handlers.early_warning import backtest_school, evaluate_all, remember_message, reraise_due
from handlers.results import AlertNotice, Notification
from models import Alert, AlertStatus, AuditEvent, CheckIn, CheckInKind, Mentorship, School, Student
from tests.driver import Driver

WORRYING = {"affective": "1"}
NOTE = "Mamma sjuk, bor hos mormor"
STRENGTH = "Hjälpte en kompis med matten"


@pytest.fixture
def school(bot: Driver) -> Driver:
    bot.say("admin", "student add 7B-03 Alex grade=7 class=7B")
    bot.say("admin", "assign 7B-03 @anna")
    bot.say("admin", "role add @erik eht")
    bot.say("admin", "eht #eht")
    return bot


def alerts(bot: Driver) -> list[Alert]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def audit_actions(bot: Driver) -> list[str]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_worrying_check_in_raises_one_alert_in_the_eht_channel(school: Driver) -> None:
    reply = school.check_in("anna", "7B-03", **WORRYING)
    assert "raised an alert for the student health team: Low engagement" in reply.text
    [sent] = reply.sent
    assert sent.startswith("[→ #eht] ⚠ Alert #1 · 7B-03 (grade 7, 7B) · Low engagement")
    assert "affective engagement rated 1" in sent and "▆" not in sent.split("rated 1")[0]
    [alert] = alerts(school)
    assert alert.rule == "low_rating" and alert.status is AlertStatus.OPEN
    assert "alert.raise" in audit_actions(school)


def test_a_new_crossing_updates_the_alert_in_place_instead_of_posting_again(school: Driver) -> None:
    first = school.check_in("anna", "7B-03", **WORRYING)
    notice = first.outcome.notifications[0]
    assert isinstance(notice.content, AlertNotice) and notice.replaces is None
    # The platform posted it and tells us where.
    with school.db.transaction() as session:
        remember_message(session, notice.content.alert_id, "ts-1")
    second = school.check_in("anna", "7B-03", affective="1", behavioural="1")
    [update] = second.outcome.notifications
    assert update.replaces == "ts-1"
    assert "raised an alert" not in second.text
    assert len(alerts(school)) == 1
    assert "behavioural engagement rated 1" in render_notification("en", update)
    # A calm check-in does not cross the threshold: no alert is posted, the alert stays for the EHT
    # (the clear upturn, affective 1 -> 4, is told as an improvement).
    calm = school.check_in("anna", "7B-03").outcome.notifications
    assert not any(isinstance(n.content, AlertNotice) for n in calm)
    assert [a.status for a in alerts(school)] == [AlertStatus.OPEN]


def test_the_note_and_strengths_never_appear_in_any_alert(school: Driver) -> None:
    sent: list[Notification] = []
    form = {"note": NOTE, "strengths": STRENGTH, "concern": "yes", "concern_domain": "home"}
    sent += school.check_in(
        "anna", "7B-03", affective="1", absent_days="4", unexcused_days="4", **form
    ).outcome.notifications
    for line in (
        "alert ack 1",
        "alert own 2",
        "alert investigation 3 yes",
        "alert resolve 1 guardians 2099-01-01",
    ):
        sent += school.say("erik", line).outcome.notifications
    with school.db.transaction() as session:
        for alert in session.scalars(select(Alert)):
            alert.raised_at -= timedelta(days=30)
        sent += [n for _d, n in reraise_due(session, datetime.now(UTC))]
    assert len(sent) >= 8
    for language in ("en", "sv"):
        texts = [render_notification(language, n) for n in sent]
        assert any("Larm" in t or "Alert" in t for t in texts)
        for text in texts:
            assert "mormor" not in text and "kompis" not in text
    history = school.say("erik", "history 7B-03").text
    assert "mormor" not in history


def test_only_the_eht_acts_on_alerts_and_coordinators_may_look(school: Driver) -> None:
    school.check_in("anna", "7B-03", **WORRYING)
    for user in ("anna", "admin", "mallory"):
        for line in ("alert ack 1", "alert own 1", "alert resolve 1 talked", "alert investigation 1 no"):
            reply = school.say(user, line)
            assert reply.outcome.refused and "Only the student health team" in reply.text, (user, line)
    assert alerts(school)[0].status is AlertStatus.OPEN
    assert "#1" in school.say("admin", "alerts").text
    assert school.say("anna", "alerts").outcome.refused


def test_the_lifecycle_open_acknowledged_owned_resolved(school: Driver) -> None:
    school.say("admin", "role add @frida eht")
    school.check_in("anna", "7B-03", **WORRYING)
    reply = school.say("erik", "larm kvittera 1")
    assert "acknowledged by @erik" in reply.sent[0]
    # Typed, the answer says what to type next (a button press leaves that out: the card has buttons).
    assert "Take it on with: alert own 1" in reply.text
    assert "already acknowledged by @erik" in school.say("frida", "alert ack 1").text
    reply = school.say("frida", "alert own #1")
    assert "acknowledged by @erik · owner @frida" in reply.sent[0]
    assert "@frida" in school.say("erik", "alerts").text
    assert school.say("frida", "alert resolve 1 referral 2000-01-01").outcome.refused  # follow-up in the past
    reply = school.say("frida", "alert resolve 1 remiss 2099-03-15")
    assert "resolved" in reply.text
    assert "outcome: referral · follow-up 2099-03-15" in reply.sent[0]
    [alert] = alerts(school)
    assert alert.status is AlertStatus.RESOLVED and alert.outcome == "referral"
    assert alert.follow_up_on == date(2099, 3, 15)
    assert school.say("erik", "alert ack 1").outcome.refused  # already resolved
    assert [a for a in audit_actions(school) if a.startswith("alert.")] == [
        "alert.raise",
        "alert.acknowledge",
        "alert.own",
        "alert.resolve",
    ]
    # After resolving, a new crossing is a new alert.
    school.check_in("anna", "7B-03", **WORRYING)
    assert [a.status for a in alerts(school)] == [AlertStatus.RESOLVED, AlertStatus.OPEN]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("alert ack", "Usage: alert ack ID"),
        ("alert ack abc", "named by its number"),
        ("alert ack 999", "There is no alert #999"),
        ("alert resolve 1", "Usage: alert resolve"),
        ("alert resolve 1 shrug", "Say what was done"),
        ("alert resolve 1 talked 15/3", "YYYY-MM-DD"),
        ("alert resolve 1 talked 2099-02-30", "YYYY-MM-DD"),
        ("alert investigation 1 maybe", "Usage: alert investigation"),
        ("alert investigation 1 yes", "not about absence"),
    ],
)
def test_bad_alert_commands_are_refused_with_usage(school: Driver, line: str, expected: str) -> None:
    school.check_in("anna", "7B-03", **WORRYING)
    reply = school.say("erik", line)
    assert reply.outcome.refused and expected in reply.text
    assert alerts(school)[0].status is AlertStatus.OPEN


def test_another_schools_alert_is_unknown(school: Driver) -> None:
    school.check_in("anna", "7B-03", **WORRYING)
    school.say("admin", "role add @erik eht", workspace="school-b")
    assert "There is no alert #1" in school.say("erik", "alert ack 1", workspace="school-b").text


def test_absence_alert_asks_about_an_investigation_and_records_the_answer(school: Driver) -> None:
    reply = school.check_in("anna", "7B-03", absent_days="3", unexcused_days="3", guardians_told="yes")
    assert "guardians were told" in reply.text
    texts = reply.sent
    assert any("has an investigation (Skollagen 7 kap. 19 a §) been started" in t for t in texts)
    absence = next(a for a in alerts(school) if a.rule == "absent_days")
    reply = school.say("erik", f"larm utredning {absence.id} nej")
    assert "no investigation" in reply.text and "Investigation (7 kap. 19 a §): not started." in reply.sent[0]
    assert next(a for a in alerts(school) if a.id == absence.id).investigation_started is False
    with school.db.transaction() as session:
        assert session.scalars(select(CheckIn.guardians_told)).one() is True


def test_without_an_eht_channel_the_mentor_and_coordinators_are_told(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    reply = bot.check_in("anna", "7B-03", **WORRYING)
    assert "No EHT channel is set" in reply.text
    assert reply.sent == [
        "[→ @admin] Early-warning alerts were raised for 7B-03, but no EHT channel is set. "
        "Set one with: eht #channel"
    ]
    assert len(alerts(bot)) == 1  # still visible with: alerts


def test_unacknowledged_alerts_are_raised_again_after_three_school_days(school: Driver) -> None:
    school.check_in("anna", "7B-03", **WORRYING)
    friday = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    with school.db.transaction() as session:
        session.scalars(select(Alert)).one().raised_at = friday
    with school.db.transaction() as session:
        # Monday and Tuesday are 2 school days: not yet.
        assert reraise_due(session, datetime(2026, 3, 10, 9, 0, tzinfo=UTC)) == []
    with school.db.transaction() as session:
        [(destination, notice)] = reraise_due(session, datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    assert destination.workspace_id == "school-a"
    assert render_notification("en", notice).startswith(
        "[→ #eht] ⚠ Alert raised again, not yet acknowledged #1"
    )
    with school.db.transaction() as session:
        # Raised again now: the clock starts over.
        assert reraise_due(session, datetime(2026, 3, 12, 9, 0, tzinfo=UTC)) == []
    school.say("erik", "alert ack 1")
    with school.db.transaction() as session:
        assert reraise_due(session, datetime(2026, 4, 30, 9, 0, tzinfo=UTC)) == []
    assert audit_actions(school).count("alert.reraise") == 1


def test_reraise_waits_for_the_schools_own_threshold(school: Driver) -> None:
    assert "reraise_days is now 5" in school.say("erik", "threshold set reraise_days 5").text
    school.check_in("anna", "7B-03", **WORRYING)
    with school.db.transaction() as session:
        session.scalars(select(Alert)).one().raised_at = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    with school.db.transaction() as session:
        assert reraise_due(session, datetime(2026, 3, 12, 9, 0, tzinfo=UTC)) == []
        assert len(reraise_due(session, datetime(2026, 3, 13, 9, 0, tzinfo=UTC))) == 1


def test_daily_run_alerts_when_a_mentor_has_had_no_contact_for_three_school_weeks(school: Driver) -> None:
    started = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
    with school.db.transaction() as session:
        session.scalars(select(Mentorship)).one().started_at = started
    with school.db.transaction() as session:
        assert evaluate_all(session, started + timedelta(days=18)) == []
    with school.db.transaction() as session:
        [(_, notice)] = evaluate_all(session, started + timedelta(days=21))
    assert "No contact" in render_notification("en", notice)
    assert "since the mentorship began on 2026-03-02" in render_notification("en", notice)
    with school.db.transaction() as session:
        assert evaluate_all(session, started + timedelta(days=22)) == []  # no second post
        assert evaluate_all(session, datetime(2026, 3, 28, 9, 0, tzinfo=UTC)) == []  # a Saturday
    assert len(alerts(school)) == 1


def test_history_is_for_the_mentor_coordinators_and_the_eht_while_an_alert_is_open(school: Driver) -> None:
    school.say("admin", "student add 8A-11")
    school.say("admin", "assign 8A-11 @bo")
    school.check_in("anna", "7B-03", note=NOTE)
    assert "open alert" in school.say("erik", "history 7B-03").text
    assert school.say("bo", "history 7B-03").outcome.refused
    assert "Check-ins of 7B-03" in school.say("anna", "history 7B-03").text
    assert "Check-ins of 7B-03" in school.say("admin", "historik 7B-03").text
    school.check_in("anna", "7B-03", **WORRYING)
    text = school.say("erik", "history 7B-03").text
    assert "Check-ins of 7B-03" in text and "mormor" not in text
    assert "behaviour 4 · school work 4 · meaning 3 · belonging 1" in text
    assert audit_actions(school).count("student.history") == 3


def test_thresholds_are_shown_and_changed_by_coordinators_and_the_eht(school: Driver) -> None:
    text = school.say("erik", "thresholds").text
    assert "absent_days_month" in text and "Full days absent in a month" in text
    assert school.say("anna", "thresholds").outcome.refused
    assert school.say("anna", "threshold set absent_days_month 5").outcome.refused
    reply = school.say("admin", "threshold set absent_days_month 5")
    assert "absent_days_month is now 5 (was 3)" in reply.text
    assert "(default 3)" in school.say("admin", "thresholds").text
    assert "school.threshold" in audit_actions(school)
    reply = school.say("admin", "threshold set absent_days_month 0")
    assert reply.outcome.refused and "from 1 to 30" in reply.text and "Usage: threshold set" in reply.text
    # The new threshold is what the rules use: 4 days no longer alert, 5 do.
    school.check_in("anna", "7B-03", absent_days="4", unexcused_days="0")
    assert not any(a.rule == "absent_days" for a in alerts(school))
    school.check_in("anna", "7B-03", absent_days="1", unexcused_days="0")
    assert any(a.rule == "absent_days" for a in alerts(school))


def test_swedish_threshold_command_and_refusal(school: Driver) -> None:
    school.say("admin", "language sv")
    reply = school.say("admin", "tröskelvärde sätt rating_floor 9")
    assert "lägsta_bedömning måste vara ett heltal från 1 till 4." in reply.text
    # Swedish names are shown, and typed, with or without å, ä and ö.
    reply = school.say("admin", "tröskelvärde sätt närvaro 85")
    assert not reply.outcome.refused and "närvaro är nu 85 (var 90)" in reply.text
    assert "närvaro " in school.say("admin", "tröskelvärden").text
    reply = school.say("admin", "tröskelvärde sätt lagsta_bedomning 2")
    assert "lägsta_bedömning är nu 2" in reply.text
    # The school's setting is the same whichever language it was set in.
    school.say("admin", "language en")
    reply = school.say("admin", "threshold set attendance_percent 80")
    assert "attendance_percent is now 80 (was 85)" in reply.text


def test_turning_upward_with_an_open_alert_is_told_to_the_mentor_and_the_eht(school: Driver) -> None:
    for rating in ("2", "2"):
        school.check_in(
            "anna", "7B-03", behavioural=rating, academic=rating, cognitive=rating, affective=rating
        )
    assert alerts(school)
    reply = school.check_in("anna", "7B-03", behavioural="4", academic="4", cognitive="4", affective="4")
    assert "turning upward" in reply.text and "celebrate" in reply.text
    assert any(t.startswith("[→ #eht] Improving: 7B-03") for t in reply.sent)
    # Told once, when it turns; not again at the next good check-in.
    reply = school.check_in("anna", "7B-03", behavioural="5", academic="5", cognitive="5", affective="5")
    assert "turning upward" not in reply.text


def test_did_not_meet_is_evaluated_too(school: Driver) -> None:
    school.check_in("anna", "7B-03", concern="yes", concern_domain="school")
    school.say("erik", "alert resolve 1 talked")
    # "Did not meet" carries no concern, so nothing new is raised; it still runs the rules without error.
    reply = school.say("anna", "notmet 7B-03")
    assert "did not meet" in reply.text and reply.outcome.notifications == []
    assert [a.status for a in alerts(school)] == [AlertStatus.RESOLVED]


def test_the_guardians_question_is_asked_only_for_unexcused_absence() -> None:
    from handlers.checkin_form import FIELDS_BY_NAME, is_asked

    question = FIELDS_BY_NAME["guardians_told"]
    assert not is_asked(question, {"absent_days": 2, "unexcused_days": 0, "unexcused_lessons": 0})
    assert is_asked(question, {"absent_days": 2, "unexcused_days": 1})
    assert is_asked(question, {"absent_lessons": 2, "unexcused_lessons": 2})


def test_backtest_on_a_generated_term(school: Driver) -> None:
    monday = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)  # autumn term, no weekday holidays until November
    weeks = 10
    with school.db.transaction() as session:
        term_school = session.scalars(select(School).where(School.workspace_id == "school-a")).one()
        alex = session.scalars(select(Student).where(Student.code == "7B-03")).one()
        mentorship = session.scalars(select(Mentorship)).one()
        mentorship.started_at = monday - timedelta(days=7)
        bea = Student(school=term_school, code="8A-11", created_at=monday)
        cim = Student(school=term_school, code="9C-02", created_at=monday)
        session.add_all([bea, cim])
        session.flush()
        session.add(Mentorship(student=cim, mentor=mentorship.mentor, started_at=monday - timedelta(days=7)))
        for week in range(weeks):
            at = monday + timedelta(weeks=week)
            # Alex: 3 days absent in weeks 2 and 7 (more than a month apart), otherwise fine.
            absent = 3 if week in (2, 7) else 0
            session.add(_check_in(alex, at, absent_days=absent))
            # Bea: affective engagement falls to 1 in week 5 only; a concern in week 8.
            session.add(_check_in(bea, at, affective=1 if week == 5 else 4, concern=week == 8))
        # Cim has a mentor and not one check-in all term.
    end = (monday + timedelta(weeks=weeks - 1)).date()
    with school.db.transaction() as session:
        term_school = session.scalars(select(School).where(School.workspace_id == "school-a")).one()
        start, rows = backtest_school(session, term_school, None, end)
        proposed = dict(
            (r.rule, r) for r in backtest_school(session, term_school, None, end, {"absent_days_month": 4})[1]
        )
        assert session.scalar(select(func.count()).select_from(Alert)) == 0  # a backtest raises nothing
    assert start == monday.date()
    figures = {r.rule: (r.alerts, r.students) for r in rows}
    assert figures == {
        "attendance": (2, 1),
        "absent_days": (2, 1),
        "skipped_lessons": (0, 0),
        "late_arrivals": (0, 0),
        "low_rating": (1, 1),
        "rating_drop": (1, 1),
        "concern": (1, 1),
        "no_contact": (1, 1),
    }
    assert (proposed["absent_days"].alerts, proposed["attendance"].alerts) == (0, 2)


def _check_in(
    student: Student, at: datetime, absent_days: int = 0, affective: int = 4, concern: bool = False
) -> CheckIn:
    return CheckIn(
        student=student,
        recorded_at=at,
        kind=CheckInKind.SCHEDULED,
        met=True,
        absent_days=absent_days,
        behavioural=4,
        academic=4,
        cognitive=4,
        affective=affective,
        concern=concern,
    )
