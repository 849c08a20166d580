"""What a mentor can answer to a check-in prompt besides checking in: snooze it, or log "did not meet"."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from handlers.access import require_mentor_of
from handlers.checkins import save_check_in
from handlers.lookups import find_student
from handlers.results import Outcome
from models import CheckIn, CheckInKind, Member, PromptStatus
from models.audit import record
from models.messages import N_, msg
from models.prompt import close_open_prompts

SNOOZE = timedelta(days=1)


def snooze(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    """Ask again in a day; the cadence itself is unchanged."""
    student = find_student(session, actor.school_id, code)
    mentorship = require_mentor_of(session, actor, student)
    base = mentorship.next_due_at if mentorship.next_due_at and mentorship.next_due_at > now else now
    mentorship.next_due_at = base + SNOOZE
    close_open_prompts(session, mentorship.id, PromptStatus.ANSWERED, now)
    record(session, actor, actor.school_id, "prompt.snooze", "mentorship", mentorship.id, now)
    return Outcome.say(
        msg(N_("Snoozed: I will ask about {code} again tomorrow."), code=student.code),
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
