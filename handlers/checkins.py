"""Mentor use cases: open the check-in form for a mentee, and log what the mentor answered.

Where the school's system registered the mentee's school days since the last check-in, the form
shows what it registered and starts its absence answers from it; the mentor confirms or corrects.
A corrected figure is saved as the mentor gave it (the mentor knows the student), and the
confirmation says where it differs from the school's system; the rules still count the registered
days where the source covers them (`models/rules.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import require_mentor_of
from handlers.attendance import registered_with_source
from handlers.checkin_form import (
    REGISTERED_FIELDS,
    CheckInAnswers,
    registered_answers,
    registered_line,
    validate,
)
from handlers.early_warning import local_today, on_check_in
from handlers.lookups import find_student
from handlers.results import Notification, OpenCheckIn, Outcome
from models import CheckIn, CheckInKind, ConcernDomain, Member, PromptStatus, Student
from models.audit import record
from models.calendar import SchoolCalendar
from models.messages import N_, Message, listing, msg
from models.prompt import close_open_prompts
from models.rules import FIRST_PERIOD, window_start
from models.trends import Direction, engagement_trend

DIRECTION_WORDS = {
    Direction.UP: N_("improving"),
    Direction.DOWN: N_("declining"),
    Direction.STEADY: N_("steady"),
    Direction.UNKNOWN: N_("too early to tell"),
}


# What the mentor's figure and the school system's are called where they differ.
FIGURE_NAMES = {
    "absent_days": N_("full days absent"),
    "unexcused_days": N_("unexcused days"),
    "absent_lessons": N_("lessons missed"),
    "unexcused_lessons": N_("unexcused lessons"),
    "late_arrivals": N_("late arrivals"),
}


@dataclass(frozen=True)
class Registered:
    """What the school's system registered over a check-in's period, as the form's absence answers."""

    source: str
    answers: dict[str, int]
    line: Message


def registered_for_check_in(session: Session, student: Student, now: datetime) -> Registered | None:
    """The registered days since the student's last check-in (its local date excluded), or over the
    school week before a first one, as the rules read a check-in's period; None when none are."""
    school = student.school
    today = local_today(school, now)
    last = session.scalar(
        select(CheckIn.recorded_at)
        .where(CheckIn.student_id == student.id, CheckIn.withdrawn_at.is_(None), CheckIn.recorded_at <= now)
        .order_by(CheckIn.recorded_at.desc())
        .limit(1)
    )
    last_day = last.astimezone(ZoneInfo(school.timezone)).date() if last is not None else None
    since = last_day or window_start(SchoolCalendar.for_school(school), today, FIRST_PERIOD)
    registered = registered_with_source(session, student.id, since, today)
    if not registered:
        return None
    source = ", ".join(sorted({name for _day, name in registered}))
    answers = registered_answers(day for day, _name in registered)
    return Registered(source, answers, registered_line(source, answers, last_day))


def start_check_in(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    student = find_student(session, actor.school_id, code)
    require_mentor_of(session, actor, student)
    label = f"{student.code} {student.display_name}".strip()
    registered = registered_for_check_in(session, student, now)
    if registered is None:
        return Outcome(reply=[OpenCheckIn(student.code, label)])
    return Outcome(reply=[OpenCheckIn(student.code, label, registered.line, dict(registered.answers))])


def differences(registered: Registered, answers: CheckInAnswers) -> Message | None:
    """Where the mentor's absence answers differ from the school system's, in words; None: nowhere."""
    differing = [
        msg(
            N_("{figure} {mine} ({source}: {theirs})"),
            figure=msg(FIGURE_NAMES[name]),
            mine=answers.values.get(name) or 0,
            source=registered.source,
            theirs=registered.answers[name],
        )
        for name in REGISTERED_FIELDS
        if (answers.values.get(name) or 0) != registered.answers[name]
    ]
    if not differing:
        return None
    return msg(
        N_("Your figures differ from the school's system and were saved as you gave them: {differences}."),
        differences=listing(differing, "; "),
    )


def log_check_in(
    session: Session,
    actor: Member,
    now: datetime,
    code: str,
    raw_answers: Mapping[str, object],
    kind: CheckInKind = CheckInKind.ADHOC,
) -> Outcome:
    """Validate and save a check-in; raises InvalidCheckIn with every wrong answer, saving nothing."""
    student = find_student(session, actor.school_id, code)
    mentorship = require_mentor_of(session, actor, student)
    answers = validate(raw_answers)
    values = answers.values
    # Before saving: the period is the one since the last check-in, which this one becomes.
    registered = registered_for_check_in(session, student, now)
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
    differ = differences(registered, answers) if registered is not None else None
    if differ is not None:
        outcome.reply.append(differ)
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
