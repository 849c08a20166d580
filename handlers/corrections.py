"""Taking back a check-in logged by mistake: its author may withdraw it within a day.

A wrong answer (the wrong student, 5 days absent instead of 0) must not keep an alert open or
skew a trend, but school records are deleted only under the records plan: so the check-in is
kept, marked withdrawn, and no longer counted anywhere. The rules run again for the student at
once, so alerts reflect what is left: an alert that the withdrawn check-in raised and that no
longer holds is closed with that reason, and its card in the EHT channel says so. To correct a
check-in, withdraw it and log it again (`checkin undo CODE`, then `checkin CODE`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.early_warning import WITHDRAWN, alert_titles, apply_results, channel_notice, situation_of
from handlers.lookups import find_student
from handlers.results import Notification, Outcome
from models import Alert, AlertStatus, CheckIn, Member, Student
from models.audit import record
from models.calendar import SchoolCalendar
from models.messages import N_, Message, Refused, msg
from models.rules import RULES, evaluate, thresholds_for

WITHDRAW_WITHIN = timedelta(hours=24)


def withdraw_check_in(session: Session, actor: Member, now: datetime, *, code: str) -> Outcome:
    """Withdraw the actor's own latest check-in of the student, if it is at most a day old."""
    student = find_student(session, actor.school_id, code)
    check_in = session.scalars(
        select(CheckIn)
        .where(
            CheckIn.student_id == student.id,
            CheckIn.author_id == actor.id,
            CheckIn.withdrawn_at.is_(None),
        )
        .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
        .limit(1)
    ).first()
    if check_in is None:
        raise Refused(N_("You have no check-in of {code} to withdraw."), code=student.code)
    hours = int(WITHDRAW_WITHIN.total_seconds() // 3600)
    if now - check_in.recorded_at > WITHDRAW_WITHIN:
        raise Refused(
            N_(
                "Your latest check-in of {code} is more than {hours} hours old and can no longer be "
                "withdrawn. If it is wrong, log a new check-in: checkin {code}"
            ),
            code=student.code,
            hours=hours,
        )
    check_in.withdrawn_at = now
    session.flush()
    record(session, actor, actor.school_id, "checkin.withdraw", "check_in", check_in.id, now)
    logged = check_in.recorded_at.astimezone(ZoneInfo(actor.school.timezone))
    outcome = Outcome.say(
        msg(
            N_(
                "Your check-in of {code} from {when} is withdrawn: it no longer counts. "
                "To log the right answers: checkin {code}"
            ),
            code=student.code,
            when=logged.strftime("%Y-%m-%d %H:%M"),
        )
    )
    replies, notifications = _run_rules_again(session, student, check_in, now)
    outcome.reply += replies
    outcome.notifications += notifications
    return outcome


def _run_rules_again(
    session: Session, student: Student, withdrawn: CheckIn, now: datetime
) -> tuple[list[Message], list[Notification]]:
    """Alerts after the withdrawal: evidence updated; those the check-in raised and no longer hold closed."""
    school = student.school
    results = evaluate(
        situation_of(session, student, now),
        thresholds_for(school.thresholds),
        SchoolCalendar.for_school(school),
    )
    evaluation = apply_results(session, student, results, now)
    notifications = list(evaluation.notifications)
    # The time-based rules (no contact) are the daily run's to judge, not this one's.
    gone = [rule.id for rule in RULES if not rule.daily and rule.id not in {r.rule for r in results}]
    closed = session.scalars(
        select(Alert)
        .where(
            Alert.student_id == student.id,
            Alert.status != AlertStatus.RESOLVED,
            Alert.opened_at >= withdrawn.recorded_at,
            Alert.rule.in_(gone),
        )
        .order_by(Alert.id)
    ).all()
    for alert in closed:
        alert.status, alert.resolved_at, alert.updated_at = AlertStatus.RESOLVED, now, now
        alert.outcome = WITHDRAWN
        record(session, None, school.id, "alert.withdraw", "alert", alert.id, now)
        notice = channel_notice(alert)
        if notice is not None:
            notifications.append(notice)
    replies = []
    if closed:
        replies.append(
            msg(N_("The alerts it raised are closed: {rules}."), rules=alert_titles(closed)),
        )
    if evaluation.raised:
        replies.append(
            msg(
                N_("Without it, the rules raise an alert for the student health team: {rules}."),
                rules=alert_titles(evaluation.raised),
            )
        )
    return replies, notifications
