"""Who mentors whom: assign, reassign and unassign students, and list a mentor's mentees."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

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
        mentorships = session.scalars(
            select(Mentorship)
            .join(Student)
            .options(contains_eager(Mentorship.student))
            .where(
                Mentorship.mentor_id == mentor.id,
                Mentorship.ended_at.is_(None),
                Student.active.is_(True),
            )
            .order_by(Student.code)
        ).all()
        waiting = _waiting_since(session, [m.id for m in mentorships])
        last_check_ins = _last_check_ins(session, [m.student_id for m in mentorships])
        for mentorship in mentorships:
            last = last_check_ins.get(mentorship.student_id)
            student = mentorship.student
            rows.append(
                MenteeRow(
                    code=student.code,
                    display_name=student.display_name,
                    grade=student.grade,
                    class_name=student.class_name,
                    last_check_in_at=last[0] if last else None,
                    last_met=last[1] if last else None,
                    next_due_at=mentorship.next_due_at,
                    waiting_since=waiting.get(mentorship.id)
                    or (
                        mentorship.next_due_at
                        if mentorship.next_due_at is not None and mentorship.next_due_at <= now
                        else None
                    ),
                )
            )
    user_id = mentor.user_id if mentor is not None else (mentor_user_id or "")
    return Outcome(reply=[MenteeList(user_id, own, actor.school.timezone, rows)])


def _last_check_ins(session: Session, student_ids: list[int]) -> dict[int, tuple[datetime, bool]]:
    """Each student's latest check-in that counts (when, and whether they met), in one statement;
    only these two columns are read, so no note is loaded or decrypted."""
    if not student_ids:
        return {}
    ranked = (
        select(
            CheckIn.student_id,
            CheckIn.recorded_at,
            CheckIn.met,
            func.row_number()
            .over(partition_by=CheckIn.student_id, order_by=(CheckIn.recorded_at.desc(), CheckIn.id.desc()))
            .label("newest"),
        )
        .where(CheckIn.student_id.in_(student_ids), CheckIn.withdrawn_at.is_(None))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.student_id, ranked.c.recorded_at, ranked.c.met).where(ranked.c.newest == 1)
    )
    return {student_id: (recorded_at, met) for student_id, recorded_at, met in rows}


def _waiting_since(session: Session, mentorship_ids: list[int]) -> dict[int, datetime]:
    """When each mentorship's oldest unanswered prompt fell due: that check-in is waiting now.

    Once a prompt is sent, `next_due_at` already points at the next round, so it alone would show
    next week's date while this week's check-in is still open.
    """
    if not mentorship_ids:
        return {}
    rows = session.execute(
        select(Prompt.mentorship_id, func.min(Prompt.due_at))
        .where(
            Prompt.mentorship_id.in_(mentorship_ids),
            Prompt.status.in_(OPEN),
        )
        .group_by(Prompt.mentorship_id)
    ).all()
    return {mentorship_id: due_at for mentorship_id, due_at in rows}
