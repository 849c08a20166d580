"""Deciding what the clock sends mentors: due prompts, one reminder, escalation to coordinators.

Each function runs in one transaction: it records what it decided (prompts, reminded_at) and puts
the messages in the outbox together, so a crash leaves either all of it or none of it. Rows are
claimed with FOR UPDATE SKIP LOCKED, so concurrent workers on PostgreSQL share the work and never
decide the same thing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, contains_eager, joinedload

from handlers.actors import language_of
from handlers.delivery import enqueue
from handlers.results import DueMentee, DuePrompt, Notification, Recipient
from models import Member, Mentorship, Prompt, PromptStatus, School, Student
from models.base import utcnow
from models.calendar import SchoolCalendar
from models.db import Database
from models.messages import N_, msg

MENTOR_BATCH = 200
MISSES_BEFORE_ESCALATION = 2


class Calendars:
    """One calendar per school for the length of a pass (building one loads the holidays)."""

    def __init__(self) -> None:
        self._by_school: dict[int, SchoolCalendar] = {}

    def of(self, school: School) -> SchoolCalendar:
        if school.id not in self._by_school:
            self._by_school[school.id] = SchoolCalendar.for_school(school)
        return self._by_school[school.id]


@dataclass(frozen=True)
class Due:
    prompt_id: int
    mentorship: Mentorship
    due_at: datetime


def _label(student: Student) -> str:
    return f"{student.code} {student.display_name}".strip()


def _insert_prompt(session: Session, mentorship: Mentorship, local_date: object) -> int | None:
    """Record the occurrence; None if this (mentorship, local date) was already recorded."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(Prompt.__table__)
        .values(
            mentorship_id=mentorship.id,
            due_at=mentorship.next_due_at,
            local_date=local_date,
            status=PromptStatus.PENDING.value,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["mentorship_id", "local_date"])
        .returning(Prompt.__table__.c.id)
    )
    return session.execute(statement).scalar()


def _mark_missed_and_count(session: Session, mentorship: Mentorship, new_prompt_id: int) -> int:
    """Earlier prompts still unanswered are missed; return how many in a row are missed now."""
    earlier = session.scalars(
        select(Prompt)
        .where(Prompt.mentorship_id == mentorship.id, Prompt.id != new_prompt_id)
        .order_by(Prompt.local_date.desc())
        .limit(MISSES_BEFORE_ESCALATION + 1)
    ).all()
    streak = 0
    for prompt in earlier:
        if prompt.status is PromptStatus.SENT:
            prompt.status = PromptStatus.MISSED
        if prompt.status is not PromptStatus.MISSED:
            break
        streak += 1
    return streak


def _lock_mentors(session: Session, candidates: Select[tuple[int]]) -> list[int]:
    """Lock a batch of mentors with work waiting; rows another worker holds are skipped.

    Locking the mentor rather than each mentorship keeps one message per mentor per round,
    whichever worker takes it.
    """
    return list(
        session.scalars(
            select(Member.id)
            .where(Member.id.in_(candidates))
            .order_by(Member.id)
            .limit(MENTOR_BATCH)
            .with_for_update(skip_locked=True)
        )
    )


def record_due_prompts(db: Database, now: datetime) -> int:
    """Record every due occurrence and queue one message per mentor; returns prompts recorded.

    After downtime a mentorship is prompted once for what it missed (coalesced), and its next
    due time moves past `now`, so there is no flood of stale prompts.
    """
    is_due = (
        Mentorship.ended_at.is_(None),
        Mentorship.next_due_at <= now,
        Student.active.is_(True),
    )
    recorded = 0
    while True:
        with db.transaction() as session:
            # The earliest-due window only: a batch must not read every due mentorship (100k due
            # made each batch a scan of all of them); what is processed moves out of the window.
            window = (
                select(Mentorship.mentor_id)
                .join(Mentorship.student)
                .where(*is_due)
                .order_by(Mentorship.next_due_at)
                .limit(MENTOR_BATCH * 20)
            )
            mentor_ids = _lock_mentors(session, window)
            if not mentor_ids:
                return recorded
            due = (
                session.scalars(
                    select(Mentorship)
                    .join(Mentorship.student)
                    .where(Mentorship.mentor_id.in_(mentor_ids), *is_due)
                    .order_by(Mentorship.next_due_at)
                    .options(
                        contains_eager(Mentorship.student).joinedload(Student.school),
                        joinedload(Mentorship.mentor),
                    )
                )
                .unique()
                .all()
            )
            calendars = Calendars()
            by_mentor: dict[int, list[Due]] = defaultdict(list)
            # New due times are written once at commit, in one batch: flushing before every query
            # of the loop would send one UPDATE per mentorship, interleaved with the inserts.
            session.autoflush = False
            for mentorship in due:
                school = mentorship.student.school
                assert mentorship.next_due_at is not None
                local_date = mentorship.next_due_at.astimezone(ZoneInfo(school.timezone)).date()
                prompt_id = _insert_prompt(session, mentorship, local_date)
                if prompt_id is not None:
                    by_mentor[mentorship.mentor_id].append(Due(prompt_id, mentorship, mentorship.next_due_at))
                    if _mark_missed_and_count(session, mentorship, prompt_id) == MISSES_BEFORE_ESCALATION:
                        _escalate(session, mentorship, prompt_id)
                mentorship.schedule_next(max(now, mentorship.next_due_at), calendars.of(school))
            for prompts in by_mentor.values():
                _queue_prompt(session, prompts, reminder=False)
            recorded += sum(len(p) for p in by_mentor.values())


def _queue_prompt(session: Session, prompts: list[Due], reminder: bool) -> None:
    first = prompts[0]
    mentor, school = first.mentorship.mentor, first.mentorship.student.school
    mentees = [DueMentee(d.mentorship.student.code, _label(d.mentorship.student), d.due_at) for d in prompts]
    notification = Notification(
        Recipient.person(mentor.user_id),
        DuePrompt(school.timezone, mentees, reminder=reminder),
        language=language_of(mentor),
    )
    kind = "reminder" if reminder else "prompts"
    enqueue(
        session,
        school,
        notification,
        f"{kind}:{mentor.id}:{first.prompt_id}",
        prompt_ids=[] if reminder else [d.prompt_id for d in prompts],
    )


def _escalate(session: Session, mentorship: Mentorship, prompt_id: int) -> None:
    school = mentorship.student.school
    coordinators = session.scalars(
        select(Member).where(Member.school_id == school.id, Member.is_coordinator.is_(True))
    ).all()
    for coordinator in coordinators:
        message = msg(
            N_("@{mentor} has missed {count} check-ins in a row with {code}."),
            mentor=mentorship.mentor.user_id,
            count=MISSES_BEFORE_ESCALATION,
            code=mentorship.student.code,
        )
        enqueue(
            session,
            school,
            Notification(Recipient.person(coordinator.user_id), message, language=language_of(coordinator)),
            f"escalation:{mentorship.id}:{prompt_id}:{coordinator.id}",
        )


def record_reminders(db: Database, now: datetime, after_school_hours: float) -> int:
    """One reminder per unanswered prompt, `after_school_hours` school hours after it was sent."""
    waiting = (
        Prompt.status == PromptStatus.SENT,
        Prompt.reminded_at.is_(None),
        # School hours are never shorter than wall-clock hours: a cheap first filter.
        Prompt.sent_at <= now - timedelta(hours=after_school_hours),
    )
    reminded = 0
    done: set[int] = set()  # mentors looked at in this pass, reminded or not yet due
    while True:
        with db.transaction() as session:
            candidates = select(Mentorship.mentor_id).join(Prompt).where(*waiting)
            if done:
                candidates = candidates.where(Mentorship.mentor_id.not_in(done))
            mentor_ids = _lock_mentors(session, candidates)
            if not mentor_ids:
                return reminded
            done.update(mentor_ids)
            prompts = session.scalars(
                select(Prompt)
                .join(Prompt.mentorship)
                .where(Mentorship.mentor_id.in_(mentor_ids), *waiting)
                .order_by(Prompt.id)
                .options(
                    contains_eager(Prompt.mentorship)
                    .joinedload(Mentorship.student)
                    .joinedload(Student.school),
                    contains_eager(Prompt.mentorship).joinedload(Mentorship.mentor),
                )
            ).all()
            calendars = Calendars()
            by_mentor: dict[int, list[Due]] = defaultdict(list)
            for prompt in prompts:
                school = prompt.mentorship.student.school
                assert prompt.sent_at is not None
                due = calendars.of(school).add_school_hours(
                    prompt.sent_at, after_school_hours, school.timezone
                )
                if due <= now:
                    prompt.reminded_at = now
                    by_mentor[prompt.mentorship.mentor_id].append(
                        Due(prompt.id, prompt.mentorship, prompt.due_at)
                    )
            for due_prompts in by_mentor.values():
                _queue_prompt(session, due_prompts, reminder=True)
                reminded += len(due_prompts)
