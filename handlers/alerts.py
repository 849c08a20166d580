"""Student health team use cases on early-warning alerts, and reading a student's check-in history.

An alert goes open → acknowledged (by whom) → owned (by whom) → resolved (with an outcome and an
optional follow-up date). Only EHT members act on alerts; coordinators may look. Every step is
audited and updates the alert's message in the EHT channel in place.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import active_mentorship, require_role
from handlers.early_warning import OUTCOME_WORDS, channel_notice, local_today
from handlers.lookups import find_student
from handlers.results import AlertList, AlertRow, CheckInHistory, HistoryRow, Outcome, TypedHint
from models import Alert, AlertStatus, CheckIn, Member, Role, Student
from models.audit import record
from models.checkin import ENGAGEMENT_DIMENSIONS
from models.messages import N_, Refused, listing, msg
from models.rules import RULES_BY_ID
from models.trends import engagement_trend

# What the EHT may type for an outcome, in English or Swedish.
OUTCOME_NAMES = {
    "talked": "talked",
    "samtal": "talked",
    "guardians": "guardians",
    "vårdnadshavare": "guardians",
    "vardnadshavare": "guardians",
    "eht_meeting": "eht_meeting",
    "eht-meeting": "eht_meeting",
    "meeting": "eht_meeting",
    "eht-möte": "eht_meeting",
    "möte": "eht_meeting",
    "referral": "referral",
    "remiss": "referral",
    "other": "other",
    "annat": "other",
}
# The outcomes as a person types them, listed when one is missing (Swedish in rules.po).
OUTCOME_CHOICES = listing(
    msg(word) for word in (N_("talked"), N_("guardians"), N_("eht_meeting"), N_("referral"), N_("other"))
)
HISTORY_ROWS = 12
# There is no "follow-up done" step: a follow-up is listed as due for two weeks from its date.
FOLLOW_UP_LISTED = timedelta(days=14)


def _row(alert: Alert, code: str) -> AlertRow:
    owner = alert.owner.user_id if alert.owner else None
    return AlertRow(code, alert.rule, alert.status.value, alert.opened_at, alert_id=alert.id, owner=owner)


def open_alert_rows(session: Session, school_id: int) -> list[AlertRow]:
    """The school's unresolved alerts, oldest first."""
    rows = session.execute(
        select(Alert, Student.code)
        .join(Student)
        .where(Student.school_id == school_id, Alert.status != AlertStatus.RESOLVED)
        .order_by(Alert.opened_at, Alert.id)
    ).all()
    return [_row(alert, code) for alert, code in rows]


def follow_up_rows(session: Session, school_id: int, today: date) -> list[AlertRow]:
    """Resolved alerts whose follow-up date has come in the last two weeks, earliest first."""
    rows = session.execute(
        select(Alert, Student.code)
        .join(Student)
        .where(
            Student.school_id == school_id,
            Alert.status == AlertStatus.RESOLVED,
            Alert.follow_up_on <= today,
            Alert.follow_up_on > today - FOLLOW_UP_LISTED,
        )
        .order_by(Alert.follow_up_on, Alert.id)
    ).all()
    return [replace(_row(alert, code), follow_up_on=alert.follow_up_on) for alert, code in rows]


def open_alerts(session: Session, actor: Member, now: datetime) -> Outcome:
    """The school's unresolved alerts, and the follow-ups that are due."""
    require_role(actor, Role.EHT, Role.COORDINATOR)
    school = actor.school
    return Outcome(
        reply=[
            AlertList(
                school.timezone,
                open_alert_rows(session, actor.school_id),
                follow_ups=follow_up_rows(session, actor.school_id, local_today(school, now)),
            )
        ]
    )


def _find_alert(session: Session, actor: Member, alert_id: int) -> Alert:
    """An alert of the actor's own school; another school's alert is as unknown as a missing one."""
    alert = session.scalar(
        select(Alert).join(Student).where(Alert.id == alert_id, Student.school_id == actor.school_id)
    )
    if alert is None:
        raise Refused(N_("There is no alert #{id}. Type alerts to see the open ones."), id=alert_id)
    return alert


def _unresolved(alert: Alert) -> None:
    if alert.status is AlertStatus.RESOLVED:
        raise Refused(N_("Alert #{id} is already resolved."), id=alert.id)


def _updated(alert: Alert, reply: str) -> Outcome:
    outcome = Outcome.say(msg(reply, id=alert.id, code=alert.student.code))
    notice = channel_notice(alert)
    if notice is not None:
        outcome.notifications.append(notice)
    return outcome


def acknowledge(session: Session, actor: Member, now: datetime, alert_id: int) -> Outcome:
    require_role(actor, Role.EHT)
    alert = _find_alert(session, actor, alert_id)
    _unresolved(alert)
    if alert.status is not AlertStatus.OPEN:
        who = alert.acknowledged_by.user_id if alert.acknowledged_by else "?"
        return Outcome.say(msg(N_("Alert #{id} was already acknowledged by @{user}."), id=alert.id, user=who))
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_by, alert.acknowledged_at = actor, now
    alert.updated_at = alert.acknowledged_at
    record(session, actor, actor.school_id, "alert.acknowledge", "alert", alert.id, now)
    outcome = _updated(alert, N_("Alert #{id} for {code} acknowledged."))
    outcome.reply.append(TypedHint(msg(N_("Take it on with: alert own {id}"), id=alert.id)))
    return outcome


def take_ownership(session: Session, actor: Member, now: datetime, alert_id: int) -> Outcome:
    require_role(actor, Role.EHT)
    alert = _find_alert(session, actor, alert_id)
    _unresolved(alert)
    if alert.owner_id == actor.id:
        return Outcome.say(msg(N_("You already own alert #{id}."), id=alert.id))
    if alert.acknowledged_by is None:
        alert.acknowledged_by, alert.acknowledged_at = actor, now
    alert.status, alert.owner, alert.updated_at = AlertStatus.OWNED, actor, now
    record(session, actor, actor.school_id, "alert.own", "alert", alert.id, now)
    outcome = _updated(alert, N_("You own alert #{id} for {code}."))
    hint = msg(N_("When it is done: alert resolve {id} OUTCOME [YYYY-MM-DD]"), id=alert.id)
    outcome.reply.append(TypedHint(hint))
    return outcome


def before_resolving(session: Session, actor: Member, now: datetime, alert_id: int) -> Outcome:
    """The checks `resolve` makes, for a platform that asks for the outcome in a form first.

    So a person who may not resolve (or an alert already resolved) is told at once, not after
    filling in the form. Changes nothing; the reply names the alert for the form's heading.
    """
    require_role(actor, Role.EHT)
    alert = _find_alert(session, actor, alert_id)
    _unresolved(alert)
    return Outcome.say(
        msg(
            N_("Resolve alert #{id} for {code}: {rule}"),
            id=alert.id,
            code=alert.student.code,
            rule=msg(RULES_BY_ID[alert.rule].title),
        )
    )


def resolve(
    session: Session,
    actor: Member,
    now: datetime,
    alert_id: int,
    outcome: str,
    follow_up_on: date | None = None,
) -> Outcome:
    require_role(actor, Role.EHT)
    if outcome not in OUTCOME_WORDS:
        raise Refused(N_("Say what was done: {outcomes}."), usage="alert resolve", outcomes=OUTCOME_CHOICES)
    alert = _find_alert(session, actor, alert_id)
    _unresolved(alert)
    school = actor.school
    if follow_up_on is not None and follow_up_on < local_today(school, now):
        raise Refused(N_("The follow-up date cannot be in the past."), usage="alert resolve")
    if alert.acknowledged_by is None:
        alert.acknowledged_by, alert.acknowledged_at = actor, now
    if alert.owner is None:
        alert.owner = actor
    alert.status, alert.resolved_by, alert.resolved_at = AlertStatus.RESOLVED, actor, now
    alert.outcome, alert.follow_up_on, alert.updated_at = outcome, follow_up_on, now
    record(session, actor, actor.school_id, "alert.resolve", "alert", alert.id, now)
    return _updated(alert, N_("Alert #{id} for {code} resolved. Thank you."))


def record_investigation(
    session: Session, actor: Member, now: datetime, alert_id: int, started: bool
) -> Outcome:
    """Record the answer to: has an investigation under Skollagen 7 kap. 19 a § been started?"""
    require_role(actor, Role.EHT)
    alert = _find_alert(session, actor, alert_id)
    if not RULES_BY_ID[alert.rule].about_absence:
        raise Refused(
            N_("Alert #{id} is not about absence; the investigation question does not apply."), id=alert.id
        )
    alert.investigation_started, alert.investigation_recorded_at = started, now
    alert.updated_at = alert.investigation_recorded_at
    record(session, actor, actor.school_id, "alert.investigation", "alert", alert.id, now)
    return _updated(
        alert,
        N_("Noted on alert #{id}: an investigation (7 kap. 19 a §) has been started.")
        if started
        else N_("Noted on alert #{id}: no investigation (7 kap. 19 a §) has been started yet."),
    )


def check_in_history(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    """A student's recent check-ins, for their mentor, coordinators, and the EHT while an alert is open.

    The note is never shown here; reading is audited because it is personal data about a child.
    """
    student = find_student(session, actor.school_id, code, include_inactive=True)
    mentorship = active_mentorship(session, student)
    allowed = actor.is_coordinator or (mentorship is not None and mentorship.mentor_id == actor.id)
    if not allowed and actor.is_eht:
        allowed = (
            session.scalar(
                select(Alert.id)
                .where(Alert.student_id == student.id, Alert.status != AlertStatus.RESOLVED)
                .limit(1)
            )
            is not None
        )
        if not allowed:
            raise Refused(
                N_("The student health team can open {code}'s history while {code} has an open alert."),
                code=student.code,
            )
    if not allowed:
        raise Refused(
            N_("Only the student's mentor, coordinators and the EHT can read {code}'s history."),
            code=student.code,
        )
    check_ins = session.scalars(
        select(CheckIn)
        .where(CheckIn.student_id == student.id, CheckIn.withdrawn_at.is_(None))
        .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
        .limit(HISTORY_ROWS)
    ).all()
    record(session, actor, actor.school_id, "student.history", "student", student.id, now)
    rows = [
        HistoryRow(
            recorded_at=c.recorded_at,
            met=c.met,
            absent_days=c.absent_days,
            unexcused_days=c.unexcused_days,
            absent_lessons=c.absent_lessons,
            unexcused_lessons=c.unexcused_lessons,
            late_arrivals=c.late_arrivals,
            ratings=tuple(c.rating(d) for d in ENGAGEMENT_DIMENSIONS),
            concern=c.concern,
            guardians_told=c.guardians_told,
        )
        for c in check_ins
    ]
    trend = engagement_trend(list(reversed(check_ins)))
    return Outcome(
        reply=[CheckInHistory(student.code, actor.school.timezone, trend.sparkline, rows, trend.direction)]
    )
