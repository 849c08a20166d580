"""Deciding what the clock sends mentors: due prompts, snoozed ones, one reminder, escalation.

Each function runs in one transaction: it records what it decided (prompts, reminded_at) and puts
the messages in the outbox together, so a crash leaves either all of it or none of it. Rows are
claimed with FOR UPDATE SKIP LOCKED, so concurrent workers on PostgreSQL share the work and never
decide the same thing twice.

A prompt is sent on the school day it falls due, however late that day the clock sees it. One the
clock sees only on a later day (it was down) is not sent at once, whatever the hour or the day:
it is asked at the next school-day slot, the cadence's own time of day, once. When that slot is
also a regular occurrence, the two are one prompt.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, contains_eager, joinedload

from handlers.actors import language_of
from handlers.delivery import enqueue
from handlers.results import DueMentee, DuePrompt, Notification, Recipient
from models import Member, Mentorship, Prompt, PromptStatus, School, Student
from models.cadence import next_slot
from models.calendar import SchoolCalendar
from models.db import Database
from models.messages import N_, msg

MENTOR_BATCH = 200
INSERT_ROWS = 1000
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


def _insert_prompts(
    session: Session, occurrences: list[tuple[Mentorship, date]], now: datetime
) -> dict[int, int]:
    """Record the occurrences, a few statements per batch; returns mentorship id -> new prompt id.

    A (mentorship, local date) recorded before is left out of the answer: that prompt exists.
    """
    table = Prompt.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    new: dict[int, int] = {}
    # Rows per statement: well inside both databases' limits on bound parameters.
    for start in range(0, len(occurrences), INSERT_ROWS):
        rows = [
            {
                "mentorship_id": mentorship.id,
                "due_at": mentorship.next_due_at,
                "local_date": local_date,
                "status": PromptStatus.PENDING.value,
                "created_at": now,
            }
            for mentorship, local_date in occurrences[start : start + INSERT_ROWS]
        ]
        statement = (
            insert(table)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["mentorship_id", "local_date"])
            .returning(table.c.mentorship_id, table.c.id)
        )
        new.update({mentorship_id: prompt_id for mentorship_id, prompt_id in session.execute(statement)})
    return new


def _missed_streaks(session: Session, new_prompts: dict[int, int], now: datetime) -> dict[int, int]:
    """Mark earlier unanswered prompts missed; return, per mentorship, how many in a row are missed.

    A snoozed prompt is not missed: the mentor answered "later", which breaks the streak. When its
    time comes with the new prompt, it is folded into that one and missed only with it.
    One query for the whole batch: the latest few earlier prompts of each mentorship.
    """
    if not new_prompts:
        return {}
    latest = (
        select(
            Prompt.id,
            func.row_number()
            .over(partition_by=Prompt.mentorship_id, order_by=Prompt.local_date.desc())
            .label("place"),
        )
        .where(Prompt.mentorship_id.in_(new_prompts), Prompt.id.not_in(list(new_prompts.values())))
        .subquery()
    )
    earlier = session.scalars(
        select(Prompt)
        .join(latest, latest.c.id == Prompt.id)
        .where(latest.c.place <= MISSES_BEFORE_ESCALATION + 1)
        .order_by(Prompt.mentorship_id, Prompt.local_date.desc())
    ).all()
    streaks: dict[int, int] = dict.fromkeys(new_prompts, 0)
    broken: set[int] = set()
    for prompt in earlier:
        if prompt.mentorship_id in broken:
            continue
        if prompt.status is PromptStatus.SNOOZED and prompt.snoozed_until is not None:
            if prompt.snoozed_until <= now:
                # Its time has come with this new prompt, which asks about the student again and
                # is answered for both: one message, not two. Unanswered by the next one, missed.
                prompt.snoozed_until = None
            broken.add(prompt.mentorship_id)
            continue
        if prompt.status in (PromptStatus.SENT, PromptStatus.SNOOZED):
            prompt.status = PromptStatus.MISSED
        if prompt.status is PromptStatus.MISSED:
            streaks[prompt.mentorship_id] += 1
        else:
            broken.add(prompt.mentorship_id)
    return streaks


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

    After downtime a mentorship is prompted once for what it missed (coalesced), at the next
    school-day slot; its next due time then moves past that, so there is no flood of stale prompts.
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
            occurrences = []
            on_time = []
            for mentorship in due:
                assert mentorship.next_due_at is not None
                school = mentorship.student.school
                if _day_passed(mentorship.next_due_at, now, school):
                    mentorship.next_due_at = _catch_up_slot(mentorship.next_due_at, now, school, calendars)
                    continue
                zone = ZoneInfo(school.timezone)
                occurrences.append((mentorship, mentorship.next_due_at.astimezone(zone).date()))
                on_time.append(mentorship)
            new_prompts = _insert_prompts(session, occurrences, now)
            streaks = _missed_streaks(session, new_prompts, now)
            for mentorship in on_time:
                assert mentorship.next_due_at is not None
                prompt_id = new_prompts.get(mentorship.id)
                if prompt_id is not None:
                    by_mentor[mentorship.mentor_id].append(Due(prompt_id, mentorship, mentorship.next_due_at))
                    if streaks[mentorship.id] == MISSES_BEFORE_ESCALATION:
                        _escalate(session, mentorship, prompt_id, now)
                school = mentorship.student.school
                mentorship.schedule_next(max(now, mentorship.next_due_at), calendars.of(school))
            for prompts in by_mentor.values():
                _queue_prompt(session, prompts, now, "prompts")
            recorded += sum(len(p) for p in by_mentor.values())


def _day_passed(due: datetime, now: datetime, school: School) -> bool:
    """True when the school day `due` fell on is over: the clock was down all the rest of it."""
    zone = ZoneInfo(school.timezone)
    return now.astimezone(zone).date() > due.astimezone(zone).date()


def _catch_up_slot(missed: datetime, now: datetime, school: School, calendars: Calendars) -> datetime:
    """Where a prompt the clock was down for is asked: the next school day at its own time of day."""
    at = missed.astimezone(ZoneInfo(school.timezone)).time()
    return next_slot(calendars.of(school), school.timezone, now, at)


def _queue_prompt(session: Session, prompts: list[Due], now: datetime, kind: str) -> None:
    """One message to the mentor about `prompts`: kind "prompts", "again" (after a snooze) or "reminder"."""
    first = prompts[0]
    mentor, school = first.mentorship.mentor, first.mentorship.student.school
    mentees = [DueMentee(d.mentorship.student.code, _label(d.mentorship.student), d.due_at) for d in prompts]
    reminder = kind == "reminder"
    notification = Notification(
        Recipient.person(mentor.user_id),
        DuePrompt(school.timezone, mentees, reminder=reminder),
        language=language_of(mentor),
    )
    # A prompt is asked again after each snooze: the time it was asked for tells the rounds apart.
    key = f"{kind}:{mentor.id}:{first.prompt_id}"
    if kind == "again":
        key += f":{first.due_at.isoformat()}"
    enqueue(
        session,
        school,
        notification,
        key,
        prompt_ids=[] if reminder else [d.prompt_id for d in prompts],
        now=now,
    )


def _escalate(session: Session, mentorship: Mentorship, prompt_id: int, now: datetime) -> None:
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
            now=now,
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
            prompts = _prompts_of(session, mentor_ids, *waiting)
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
                _queue_prompt(session, due_prompts, now, "reminder")
                reminded += len(due_prompts)


def _prompts_of(session: Session, mentor_ids: list[int], *conditions: Any) -> list[Prompt]:
    """The locked mentors' prompts that meet `conditions`, with mentorship, student, school and mentor."""
    return list(
        session.scalars(
            select(Prompt)
            .join(Prompt.mentorship)
            .where(Mentorship.mentor_id.in_(mentor_ids), *conditions)
            .order_by(Prompt.id)
            .options(
                contains_eager(Prompt.mentorship).joinedload(Mentorship.student).joinedload(Student.school),
                contains_eager(Prompt.mentorship).joinedload(Mentorship.mentor),
            )
        )
    )


def record_snoozes_ended(db: Database, now: datetime) -> int:
    """Ask again about every snoozed prompt whose time has come, one message per mentor; returns how many.

    The prompt becomes pending again and the outbox marks it sent, so the reminder counts from then.
    """
    ended = (Prompt.status == PromptStatus.SNOOZED, Prompt.snoozed_until <= now)
    asked = 0
    while True:
        with db.transaction() as session:
            mentor_ids = _lock_mentors(session, select(Mentorship.mentor_id).join(Prompt).where(*ended))
            if not mentor_ids:
                return asked
            prompts = _prompts_of(session, mentor_ids, *ended)
            calendars = Calendars()
            by_mentor: dict[int, list[Due]] = defaultdict(list)
            for prompt in prompts:
                assert prompt.snoozed_until is not None
                school = prompt.mentorship.student.school
                if _day_passed(prompt.snoozed_until, now, school):
                    prompt.snoozed_until = _catch_up_slot(prompt.snoozed_until, now, school, calendars)
                    continue
                prompt.status, prompt.sent_at, prompt.reminded_at = PromptStatus.PENDING, None, None
                due = Due(prompt.id, prompt.mentorship, prompt.snoozed_until)
                by_mentor[prompt.mentorship.mentor_id].append(due)
            for due_prompts in by_mentor.values():
                _queue_prompt(session, due_prompts, now, "again")
                asked += len(due_prompts)
