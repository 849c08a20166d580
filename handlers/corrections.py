"""Taking back a check-in logged by mistake: its author may withdraw it within a day.

A wrong answer (the wrong student, 5 days absent instead of 0) must not keep an alert open or
skew a trend, but school records are deleted only under the records plan: so the check-in is
kept, marked withdrawn, and no longer counted anywhere. The rules run again for the student at
once, so the student's case reflects what is left: a rule that the withdrawn check-in raised and
that no longer holds is withdrawn from the case (a case it opened with nothing else is closed with
that reason), and the case's card in the EHT channel says so. To correct a
check-in, withdraw it and log it again (`checkin undo CODE`, then `checkin CODE`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.early_warning import alert_titles, apply_results, situation_of
from handlers.lookups import find_student
from handlers.results import Notification, Outcome
from models import CheckIn, Member, Student
from models.audit import record
from models.calendar import SchoolCalendar
from models.messages import N_, Message, Refused, msg
from models.rules import evaluate, thresholds_for

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
    """The student's case after the withdrawal: evidence updated; the rules the check-in raised
    that no longer hold withdrawn, and the case closed when it had nothing else."""
    school = student.school
    situation = situation_of(session, student, now)
    results = evaluate(situation, thresholds_for(school.thresholds), SchoolCalendar.for_school(school))
    evaluation = apply_results(
        session, student, results, now, situation, withdrawn_since=withdrawn.recorded_at
    )
    replies = []
    if evaluation.withdrawn:
        replies.append(
            msg(N_("The alerts it raised are closed: {rules}."), rules=alert_titles(evaluation.withdrawn)),
        )
    if evaluation.new:
        replies.append(
            msg(
                N_("Without it, the rules raise an alert for the student health team: {rules}."),
                rules=alert_titles(evaluation.new),
            )
        )
    return replies, list(evaluation.notifications)
