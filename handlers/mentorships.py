"""Who mentors whom: assign, reassign and unassign students, and list a mentor's mentees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, literal, select
from sqlalchemy.orm import Session

from handlers.access import active_mentorship, require_role
from handlers.actors import find_or_create_member
from handlers.lookups import find_member, find_student
from handlers.results import MenteeList, MenteeRow, Notification, Outcome, Recipient
from models import CheckIn, Member, Mentorship, Prompt, PromptStatus, Role, Student
from models.audit import record
from models.messages import N_, Refused, msg
from models.prompt import OPEN, close_open_prompts


def assign(
    session: Session, actor: Member, now: datetime, code: str, mentor_user_id: str, mentor_name: str = ""
) -> Outcome:
    """Give the student a mentor; if they had one, end that mentorship and keep it as history."""
    require_role(actor, Role.COORDINATOR)
    student = find_student(session, actor.school_id, code)
    mentor = find_or_create_member(session, actor.school, mentor_user_id, now, mentor_name)
    current = active_mentorship(session, student)
    if current is not None and current.mentor_id == mentor.id:
        raise Refused(N_("{code} already has that mentor."), code=student.code)

    outcome = Outcome()
    if current is not None:
        current.ended_at = now
        close_open_prompts(session, current.id, PromptStatus.CANCELLED, now)
        session.flush()  # the one-active-mentor index must see the old one end first
        outcome.notifications.append(
            Notification(
                Recipient.person(current.mentor.user_id),
                msg(
                    N_("{code} has been given a new mentor and is no longer on your list."),
                    code=student.code,
                ),
            )
        )
    mentor.is_mentor = True
    mentorship = Mentorship(student=student, mentor=mentor, started_at=now)
    mentorship.schedule_next(now)
    session.add(mentorship)
    session.flush()
    record(session, actor, actor.school_id, "mentorship.assign", "mentorship", mentorship.id, now)

    template = (
        N_("{code} is now mentored by @{mentor}.")
        if current is None
        else N_("{code} is now mentored by @{mentor} (previously @{previous}).")
    )
    previous = current.mentor.user_id if current is not None else ""
    outcome.reply.append(msg(template, code=student.code, mentor=mentor.user_id, previous=previous))
    outcome.notifications.append(
        Notification(
            Recipient.person(mentor.user_id),
            msg(
                N_("You are now the mentor of {code}. Check in with: checkin {code}"),
                code=student.code,
            ),
        )
    )
    return outcome


def unassign(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    require_role(actor, Role.COORDINATOR)
    student = find_student(session, actor.school_id, code)
    current = active_mentorship(session, student)
    if current is None:
        raise Refused(N_("{code} has no mentor."), code=student.code)
    current.ended_at = now
    close_open_prompts(session, current.id, PromptStatus.CANCELLED, current.ended_at)
    record(session, actor, actor.school_id, "mentorship.unassign", "mentorship", current.id, now)
    return Outcome.say(
        msg(N_("{code} no longer has a mentor."), code=student.code),
        Notification(
            Recipient.person(current.mentor.user_id),
            msg(N_("{code} is no longer on your mentee list."), code=student.code),
        ),
    )


def mentees(session: Session, actor: Member, now: datetime, mentor_user_id: str | None = None) -> Outcome:
    """A mentor's caseload; coordinators may look at anyone's."""
    own = mentor_user_id is None or mentor_user_id == actor.user_id
    if own:
        mentor: Member | None = actor
    else:
        require_role(actor, Role.COORDINATOR)
        mentor = find_member(session, actor.school_id, mentor_user_id or "")
    rows: list[MenteeRow] = []
    if mentor is not None:
        for row in session.execute(_CASELOAD, {"mentor_id": mentor.id}):
            waiting = row.waiting_since or (
                row.next_due_at if row.next_due_at is not None and row.next_due_at <= now else None
            )
            rows.append(
                MenteeRow(
                    code=row.code,
                    display_name=row.display_name,
                    grade=row.grade,
                    class_name=row.class_name,
                    last_check_in_at=row.last_check_in_at,
                    last_met=row.last_met,
                    next_due_at=row.next_due_at,
                    waiting_since=waiting,
                )
            )
    user_id = mentor.user_id if mentor is not None else (mentor_user_id or "")
    return Outcome(reply=[MenteeList(user_id, own, actor.school.timezone, rows)])


def _caseload() -> Select[Any]:
    """A mentor's active mentees with what the list shows, in one statement of plain rows.

    Per mentee: the latest check-in that counts (when, and whether they met; only these two
    columns, so no note is read or decrypted) and when the oldest unanswered prompt fell due: that
    check-in is waiting now. Once a prompt is sent, `next_due_at` already points at the next round,
    so it alone would show next week's date while this week's check-in is still open.
    """
    latest = (
        select(CheckIn.recorded_at)
        .where(CheckIn.student_id == Student.id, CheckIn.withdrawn_at.is_(None))
        .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
        .limit(1)
    )
    return (
        select(
            Student.code,
            Student.display_name,
            Student.grade,
            Student.class_name,
            Mentorship.next_due_at,
            latest.scalar_subquery().label("last_check_in_at"),
            latest.with_only_columns(CheckIn.met).scalar_subquery().label("last_met"),
            select(func.min(Prompt.due_at))
            # Each status its own parameter: a list as one "expanding" parameter would make
            # SQLAlchemy write the statement out anew at every run.
            .where(
                Prompt.mentorship_id == Mentorship.id,
                Prompt.status.in_([literal(status, Prompt.status.type) for status in OPEN]),
            )
            .scalar_subquery()
            .label("waiting_since"),
        )
        .join(Student, Student.id == Mentorship.student_id)
        .where(
            Mentorship.mentor_id == bindparam("mentor_id", type_=Integer),
            Mentorship.ended_at.is_(None),
            Student.active.is_(True),
        )
        .order_by(Student.code)
    )


_CASELOAD = _caseload()
