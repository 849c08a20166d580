"""What a mentor can answer to a check-in prompt besides checking in: snooze it, or log "did not meet"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handlers.access import require_mentor_of
from handlers.checkins import save_check_in
from handlers.lookups import find_student
from handlers.results import Outcome
from models import CheckIn, CheckInKind, Member, Prompt, PromptStatus
from models.audit import record
from models.cadence import school_day_slot
from models.calendar import SchoolCalendar
from models.messages import N_, Refused, msg
from models.prompt import OPEN


def snooze(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    """Ask again the next school day at the cadence's time of day.

    The waiting prompt stays unanswered (snoozed, not missed) and the cadence is untouched: the
    next regular check-in still comes when it is due.
    """
    student = find_student(session, actor.school_id, code)
    mentorship = require_mentor_of(session, actor, student)
    waiting = session.scalars(
        select(Prompt).where(Prompt.mentorship_id == mentorship.id, Prompt.status.in_(OPEN))
    ).all()
    if not waiting:
        raise Refused(
            N_("No check-in with {code} is waiting, so there is nothing to snooze."), code=student.code
        )
    school = student.school
    zone = ZoneInfo(school.timezone)
    at = mentorship.time_of_day() or max(p.due_at for p in waiting).astimezone(zone).time()
    calendar = SchoolCalendar.for_school(school)
    day = calendar.add_school_days(now.astimezone(zone).date(), 1)
    ask_at = school_day_slot(calendar, school.timezone, day, at)
    session.execute(
        update(Prompt)
        .where(Prompt.id.in_([p.id for p in waiting]))
        .values(status=PromptStatus.SNOOZED, snoozed_until=ask_at)
    )
    record(session, actor, actor.school_id, "prompt.snooze", "mentorship", mentorship.id, now)
    return Outcome.say(
        msg(
            N_("Snoozed: I will ask about {code} again on {day} at {time}."),
            code=student.code,
            day=day,
            time=at.strftime("%H:%M"),
        ),
    )


def did_not_meet(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    """A check-in without contact is still logged: lack of contact is itself a signal."""
    student = find_student(session, actor.school_id, code)
    mentorship = require_mentor_of(session, actor, student)
    check_in = CheckIn(
        student=student,
        mentorship=mentorship,
        author=actor,
        recorded_at=now,
        kind=CheckInKind.SCHEDULED,
        met=False,
    )
    # Lack of contact is itself a signal: the rules see this check-in like any other.
    replies, notifications = save_check_in(session, actor, check_in, "checkin.not_met")
    outcome = Outcome.say(msg(N_("Noted: you did not meet {code} this time."), code=student.code))
    outcome.reply += replies
    outcome.notifications += notifications
    return outcome
