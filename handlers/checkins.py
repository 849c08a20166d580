"""Mentor use cases: open the check-in form for a mentee, and log what the mentor answered."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import require_mentor_of
from handlers.checkin_form import validate
from handlers.early_warning import on_check_in
from handlers.lookups import find_student
from handlers.results import Notification, OpenCheckIn, Outcome
from models import CheckIn, CheckInKind, ConcernDomain, Member, PromptStatus
from models.audit import record
from models.messages import N_, Message, msg
from models.prompt import close_open_prompts
from models.trends import Direction, engagement_trend

DIRECTION_WORDS = {
    Direction.UP: N_("improving"),
    Direction.DOWN: N_("declining"),
    Direction.STEADY: N_("steady"),
    Direction.UNKNOWN: N_("too early to tell"),
}


def start_check_in(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    student = find_student(session, actor.school_id, code)
    require_mentor_of(session, actor, student)
    label = f"{student.code} {student.display_name}".strip()
    return Outcome(reply=[OpenCheckIn(student.code, label)])


def log_check_in(
    session: Session,
    actor: Member, now: datetime,
    code: str,
    raw_answers: Mapping[str, object],
    kind: CheckInKind = CheckInKind.ADHOC,
) -> Outcome:
    """Validate and save a check-in; raises InvalidCheckIn with every wrong answer, saving nothing."""
    student = find_student(session, actor.school_id, code)
    mentorship = require_mentor_of(session, actor, student)
    answers = validate(raw_answers)
    values = answers.values
    check_in = CheckIn(
        student=student,
        mentorship=mentorship,
        author=actor,
        recorded_at=now,
        kind=kind,
        met=bool(values["met"]),
        absent_days=values["absent_days"] or 0,
        absent_lessons=values["absent_lessons"] or 0,
        unexcused_days=values["unexcused_days"] or 0,
        unexcused_lessons=values["unexcused_lessons"] or 0,
        late_arrivals=values["late_arrivals"] or 0,
        guardians_told=values["guardians_told"],
        behavioural=values["behavioural"],
        academic=values["academic"],
        cognitive=values["cognitive"],
        affective=values["affective"],
        strengths=values["strengths"] or "",
        concern=bool(values["concern"]),
        concern_domain=ConcernDomain(values["concern_domain"]) if values["concern_domain"] else None,
        note=values["note"] or "",
    )
    replies, notifications = save_check_in(session, actor, check_in, "checkin.create")

    history = session.scalars(
        select(CheckIn)
        .where(CheckIn.student_id == student.id, CheckIn.withdrawn_at.is_(None))
        .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
        .limit(6)
    ).all()
    trend = engagement_trend(list(reversed(history)))
    outcome = Outcome(reply=list(answers.warnings))
    outcome.reply.append(
        msg(
            N_("Check-in for {code} saved. Engagement trend: {sparkline} {direction}."),
            code=student.code,
            sparkline=trend.sparkline or "-",
            direction=msg(DIRECTION_WORDS[trend.direction]),
        )
    )
    if check_in.guardians_told:
        outcome.reply.append(msg(N_("Noted: the guardians were told about the unexcused absence today.")))
    elif check_in.unexcused_days or check_in.unexcused_lessons:
        outcome.reply.append(
            msg(
                N_(
                    "Unexcused absence was logged: the guardians must be told the same day "
                    "(Skollagen 7 kap. 17 §)."
                )
            )
        )
    outcome.reply += replies
    outcome.notifications += notifications
    return outcome


def save_check_in(
    session: Session, actor: Member, check_in: CheckIn, action: str
) -> tuple[list[Message], list[Notification]]:
    """What every logged check-in does: answer the prompt, plan the next one, audit, run the rules."""
    assert check_in.mentorship is not None
    session.add(check_in)
    check_in.mentorship.schedule_next(check_in.recorded_at)
    close_open_prompts(session, check_in.mentorship.id, PromptStatus.ANSWERED, check_in.recorded_at)
    session.flush()
    record(session, actor, actor.school_id, action, "check_in", check_in.id, check_in.recorded_at)
    return on_check_in(session, actor, check_in.student, check_in.recorded_at)
