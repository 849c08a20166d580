"""Early warning at work: run the rules on a student, keep one alert per student and rule, re-raise.

The rules themselves are pure (`models/rules.py`); this module loads what they need, turns what
fires into alerts and says whom to tell. It is called when a check-in is logged (`on_check_in`)
and by the clock (`evaluate_all` daily for the time-based rules, `reraise_due` for alerts nobody
acknowledged). The clock functions take `now` and return (Destination, Notification) pairs for
the school's platform to deliver; a platform that posts an alert should store the message's
reference with `remember_message`, so later changes update that message in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import active_mentorship
from handlers.actors import language_of
from handlers.delivery import destination_of
from handlers.results import AlertNotice, Destination, Notification, Recipient
from models import Alert, AlertStatus, CheckIn, Member, Mentorship, School, Student
from models.audit import record
from models.backtest import BacktestRow, StudentRecord, backtest
from models.calendar import SchoolCalendar
from models.messages import N_, Message, msg
from models.rules import (
    RULES_BY_ID,
    RuleResult,
    Situation,
    evaluate,
    evidence_message,
    facts_of,
    thresholds_for,
)
from models.trends import Direction, engagement_trend

# Every window a rule looks at (4 school weeks, a month, averages) fits in this, breaks included.
HISTORY = timedelta(days=180)

OUTCOME_WORDS = {
    "talked": N_("talked with the student"),
    "guardians": N_("contacted the guardians"),
    "eht_meeting": N_("EHT meeting"),
    "referral": N_("referral"),
    "other": N_("other"),
}
# The outcome no person chooses: the check-in behind the alert was withdrawn by its author.
WITHDRAWN = "withdrawn"


def local_today(school: School, now: datetime) -> date:
    return now.astimezone(ZoneInfo(school.timezone)).date()


def situation_of(session: Session, student: Student, now: datetime) -> Situation:
    school = student.school
    check_ins = session.scalars(
        select(CheckIn)
        .where(CheckIn.student_id == student.id, CheckIn.recorded_at > now - HISTORY)
        .where(CheckIn.recorded_at <= now, CheckIn.withdrawn_at.is_(None))
        .order_by(CheckIn.recorded_at, CheckIn.id)
    ).all()
    mentorship = active_mentorship(session, student)
    return Situation(
        today=local_today(school, now),
        history=[facts_of(c, school.timezone) for c in check_ins],
        mentored_since=local_today(school, mentorship.started_at) if mentorship else None,
    )


def unresolved_alert(session: Session, student: Student, rule: str) -> Alert | None:
    return session.scalar(
        select(Alert).where(
            Alert.student_id == student.id, Alert.rule == rule, Alert.status != AlertStatus.RESOLVED
        )
    )


def alert_notice(alert: Alert, reraised: bool = False) -> AlertNotice:
    """What the EHT channel shows for an alert: numbers, trend and status, never a check-in's text."""
    student = alert.student
    rule = RULES_BY_ID[alert.rule]
    thresholds = thresholds_for(student.school.thresholds)
    return AlertNotice(
        alert_id=alert.id,
        student_code=student.code,
        grade=student.grade,
        class_name=student.class_name,
        rule=alert.rule,
        title=msg(rule.title),
        explanation=rule.explain(thresholds),
        evidence=evidence_message(alert.rule, alert.evidence),
        sparkline=str(alert.evidence.get("trend", "")),
        status=alert.status.value,
        timezone=student.school.timezone,
        acknowledged_by=alert.acknowledged_by.user_id if alert.acknowledged_by else None,
        owner=alert.owner.user_id if alert.owner else None,
        outcome=_outcome_words(alert.outcome),
        follow_up_on=alert.follow_up_on,
        asks_investigation=rule.about_absence,
        investigation_started=alert.investigation_started,
        reraised=reraised,
    )


def _outcome_words(outcome: str | None) -> Message | None:
    if outcome == WITHDRAWN:
        return msg(N_("the check-in behind it was withdrawn"))
    return msg(OUTCOME_WORDS[outcome]) if outcome in OUTCOME_WORDS else None


def channel_notice(alert: Alert, reraised: bool = False) -> Notification | None:
    """The alert for the school's EHT channel, replacing its earlier message; None without a channel."""
    school = alert.student.school
    if not school.eht_channel:
        return None
    return Notification(
        Recipient.channel(school.eht_channel),
        alert_notice(alert, reraised),
        language=school.language,
        replaces=None if reraised else alert.message_ref,
    )


def remember_message(session: Session, alert_id: int, message_ref: str | None) -> None:
    """Store where a platform posted an alert, so the next change updates that message in place."""
    alert = session.get(Alert, alert_id)
    if alert is not None and message_ref:
        alert.message_ref = message_ref


@dataclass
class Evaluation:
    """What evaluating one student did: alerts raised anew, alerts whose evidence changed."""

    raised: list[Alert] = field(default_factory=list)
    updated: list[Alert] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)


def apply_results(session: Session, student: Student, results: list[RuleResult], now: datetime) -> Evaluation:
    """One unresolved alert per (student, rule): a new crossing updates it instead of posting again."""
    evaluation = Evaluation()
    for result in results:
        evidence = {**result.evidence, "trend": result.trend}
        alert = unresolved_alert(session, student, result.rule)
        if alert is None:
            alert = Alert(
                student=student,
                rule=result.rule,
                status=AlertStatus.OPEN,
                evidence=evidence,
                opened_at=now,
                updated_at=now,
                raised_at=now,
            )
            session.add(alert)
            session.flush()
            record(session, None, student.school_id, "alert.raise", "alert", alert.id, now)
            evaluation.raised.append(alert)
        elif alert.evidence != evidence:
            alert.evidence = evidence
            alert.updated_at = now
            record(session, None, student.school_id, "alert.update", "alert", alert.id, now)
            evaluation.updated.append(alert)
        else:
            continue
        notice = channel_notice(alert)
        if notice is not None:
            evaluation.notifications.append(notice)
    return evaluation


def _coordinators(session: Session, school: School) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(Member.school_id == school.id, Member.is_coordinator.is_(True))
            .order_by(Member.user_id)
        )
    )


def _no_channel_notifications(session: Session, school: School, codes: list[str]) -> list[Notification]:
    """Alerts were raised but nobody can see them in a channel: tell the coordinators."""
    return [
        Notification(
            Recipient.person(coordinator.user_id),
            msg(
                N_(
                    "Early-warning alerts were raised for {codes}, but no EHT channel is set. "
                    "Set one with: eht #channel"
                ),
                codes=", ".join(codes),
            ),
            language=language_of(coordinator),
        )
        for coordinator in _coordinators(session, school)
    ]


def on_check_in(
    session: Session, actor: Member, student: Student, now: datetime
) -> tuple[list[Message], list[Notification]]:
    """Run the check-in rules after a check-in was saved: what to tell the mentor, and whom to notify."""
    school = student.school
    situation = situation_of(session, student, now)
    thresholds = thresholds_for(school.thresholds)
    calendar = SchoolCalendar.for_school(school)
    evaluation = apply_results(session, student, evaluate(situation, thresholds, calendar), now)
    replies: list[Message] = []
    notifications = list(evaluation.notifications)
    if evaluation.raised:
        replies.append(
            msg(
                N_("This check-in raised an alert for the student health team: {rules}."),
                rules=alert_titles(evaluation.raised),
            )
        )
        if not school.eht_channel:
            replies.append(
                msg(N_("No EHT channel is set, so nobody was told yet. Ask a coordinator to set one."))
            )
            notifications += _no_channel_notifications(session, school, [student.code])
    improvement = _improvement(session, student, now)
    if improvement is not None:
        replies.append(
            msg(
                N_("{code} is turning upward {sparkline}: notice it and celebrate it with the student."),
                code=student.code,
                sparkline=improvement,
            )
        )
        if school.eht_channel:
            notifications.append(
                Notification(
                    Recipient.channel(school.eht_channel),
                    msg(
                        N_(
                            "Improving: {code}, who has an open alert, is turning upward {sparkline}. "
                            "The mentor has been told."
                        ),
                        code=student.code,
                        sparkline=improvement,
                    ),
                    language=school.language,
                )
            )
    return replies, notifications


def alert_titles(alerts: list[Alert]) -> Message:
    # A list of translatable titles joined as one message: "{0}, {1}" with each title nested.
    names = {f"t{i}": msg(RULES_BY_ID[a.rule].title) for i, a in enumerate(alerts)}
    return msg(", ".join("{" + name + "}" for name in names), **names)


def _improvement(session: Session, student: Student, now: datetime) -> str | None:
    """The new sparkline when a student with an unresolved alert has just turned clearly upward.

    "Just turned": the trend is up with the newest check-in and was not up without it, so the
    adults are told once, when it happens, and not at every later check-in.
    """
    has_alert = session.scalar(
        select(Alert.id).where(Alert.student_id == student.id, Alert.status != AlertStatus.RESOLVED).limit(1)
    )
    if has_alert is None:
        return None
    recent = list(
        reversed(
            session.scalars(
                select(CheckIn)
                .where(CheckIn.student_id == student.id, CheckIn.withdrawn_at.is_(None))
                .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
                .limit(7)
            ).all()
        )
    )
    now_trend = engagement_trend(recent[-6:])
    before = engagement_trend(recent[:-1][-6:])
    if now_trend.direction is Direction.UP and before.direction is not Direction.UP:
        return now_trend.sparkline
    return None


def evaluate_all(session: Session, now: datetime) -> list[tuple[Destination, Notification]]:
    """The daily run of the time-based rules (no contact) for every student with a mentor."""
    sent: list[tuple[Destination, Notification]] = []
    for school in session.scalars(select(School).order_by(School.id)):
        thresholds = thresholds_for(school.thresholds)
        calendar = SchoolCalendar.for_school(school)
        if not calendar.is_school_day(local_today(school, now)):
            continue  # nobody should be alerted on a weekend or in a break
        students = session.scalars(
            select(Student)
            .join(Mentorship, (Mentorship.student_id == Student.id) & Mentorship.ended_at.is_(None))
            .where(Student.school_id == school.id, Student.active.is_(True))
            .order_by(Student.code)
        ).all()
        raised_codes = []
        for student in students:
            situation = situation_of(session, student, now)
            evaluation = apply_results(
                session, student, evaluate(situation, thresholds, calendar, daily=True), now
            )
            sent += [(destination_of(session, school), n) for n in evaluation.notifications]
            if evaluation.raised:
                raised_codes.append(student.code)
        if raised_codes and not school.eht_channel:
            sent += [
                (destination_of(session, school), n)
                for n in _no_channel_notifications(session, school, raised_codes)
            ]
    return sent


def reraise_due(session: Session, now: datetime) -> list[tuple[Destination, Notification]]:
    """Post again every alert nobody acknowledged within the school's `reraise_days` school days."""
    sent: list[tuple[Destination, Notification]] = []
    alerts = session.scalars(
        select(Alert).where(Alert.status == AlertStatus.OPEN).order_by(Alert.raised_at, Alert.id)
    ).all()
    for alert in alerts:
        school = alert.student.school
        calendar = SchoolCalendar.for_school(school)
        waited = calendar.school_days_between(local_today(school, alert.raised_at), local_today(school, now))
        if waited < thresholds_for(school.thresholds)["reraise_days"]:
            continue
        alert.raised_at = now
        record(session, None, school.id, "alert.reraise", "alert", alert.id, now)
        notice = channel_notice(alert, reraised=True)
        if notice is not None:
            sent.append((destination_of(session, school), notice))
        else:
            sent += [
                (destination_of(session, school), n)
                for n in _no_channel_notifications(session, school, [alert.student.code])
            ]
    return sent


def follow_ups_due(session: Session, now: datetime) -> list[tuple[School, Notification]]:
    """Remind each owner of a resolved alert whose follow-up date has come, once.

    Only on the school's school days: a follow-up dated on a weekend, holiday or break is reminded
    the next school day.
    """
    reminders: list[tuple[School, Notification]] = []
    alerts = session.scalars(
        select(Alert)
        .where(
            Alert.status == AlertStatus.RESOLVED,
            Alert.follow_up_reminded_at.is_(None),
            # Wide by a day: the school's own date is checked below, in its time zone.
            Alert.follow_up_on <= now.date() + timedelta(days=1),
        )
        .order_by(Alert.follow_up_on, Alert.id)
    ).all()
    calendars: dict[int, SchoolCalendar] = {}
    for alert in alerts:
        school = alert.student.school
        today = local_today(school, now)
        calendar = calendars.setdefault(school.id, SchoolCalendar.for_school(school))
        assert alert.follow_up_on is not None
        if alert.follow_up_on > today or not calendar.is_school_day(today):
            continue
        owner = alert.owner or alert.resolved_by
        alert.follow_up_reminded_at = now
        if owner is None:
            continue  # nobody left to remind; the follow-up still shows in `alerts`
        record(session, None, school.id, "alert.follow_up", "alert", alert.id, now)
        message = msg(
            N_("Follow-up for {code} on {day}: alert #{id} ({rule}) was resolved with: {outcome}."),
            code=alert.student.code,
            day=alert.follow_up_on,
            id=alert.id,
            rule=msg(RULES_BY_ID[alert.rule].title),
            outcome=msg(OUTCOME_WORDS.get(alert.outcome or "other", OUTCOME_WORDS["other"])),
        )
        reminders.append((school, Notification(Recipient.person(owner.user_id), message, language_of(owner))))
    return reminders


def backtest_school(
    session: Session,
    school: School,
    start: date | None,
    end: date,
    proposed: dict[str, int] | None = None,
) -> tuple[date, list[BacktestRow]]:
    """Replay the rules over a school's stored check-ins with its thresholds (or proposed changes).

    Returns the period's first day (the first stored check-in when `start` is None) and per-rule rows.
    """
    thresholds = thresholds_for({**(school.thresholds or {}), **(proposed or {})})
    records = []
    first = end
    for student in session.scalars(
        select(Student).where(Student.school_id == school.id).order_by(Student.id)
    ):
        check_ins = session.scalars(
            select(CheckIn)
            .where(CheckIn.student_id == student.id, CheckIn.withdrawn_at.is_(None))
            .order_by(CheckIn.recorded_at, CheckIn.id)
        ).all()
        mentorships = session.scalars(
            select(Mentorship).where(Mentorship.student_id == student.id).order_by(Mentorship.started_at)
        ).all()
        history = [facts_of(c, school.timezone) for c in check_ins]
        if history:
            first = min(first, history[0].on)
        periods = [
            (local_today(school, m.started_at), local_today(school, m.ended_at) if m.ended_at else None)
            for m in mentorships
        ]
        records.append(StudentRecord(history, periods))
    start = start or first
    return start, backtest(records, thresholds, SchoolCalendar.for_school(school), start, end)
