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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, Row, Select, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased, contains_eager

from handlers.actors import language_of
from handlers.delivery import Queued, enqueue_all
from handlers.results import DueMentee, DuePrompt, Notification, Recipient
from models import Member, Mentorship, Prompt, PromptStatus, School, SchoolBreak, Student
from models.base import UTCDateTime
from models.bulk import chunks, given, set_each
from models.cadence import next_slot
from models.calendar import Break, SchoolCalendar, calendar_of
from models.db import Database
from models.mentorship import cadence_in_force, due_after
from models.messages import N_, msg

MENTOR_BATCH = 200
MISSES_BEFORE_ESCALATION = 2


@dataclass(frozen=True)
class SchoolClock:
    """What the clock needs of a school to schedule and word its prompts (read once per batch)."""

    id: int
    timezone: str
    language: str
    default_cadence: str | None
    calendar: SchoolCalendar

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def of(cls, school: School) -> SchoolClock:
        calendar = SchoolCalendar.for_school(school)
        return cls(school.id, school.timezone, school.language, school.default_cadence, calendar)


def school_clocks(session: Session, school_ids: Iterable[int]) -> dict[int, SchoolClock]:
    """The schools of a batch with their calendars, in two small queries.

    Each calendar comes from the process's cache under its breaks and language as read now
    (`models.calendar.calendar_of`), so a break added a moment ago counts from this batch on.
    """
    ids = set(school_ids)
    breaks: dict[int, list[Break]] = defaultdict(list)
    for school_id, starts_on, ends_on, name in session.execute(
        select(SchoolBreak.school_id, SchoolBreak.starts_on, SchoolBreak.ends_on, SchoolBreak.name)
        .where(SchoolBreak.school_id.in_(ids))
        .order_by(SchoolBreak.starts_on, SchoolBreak.id)
    ):
        breaks[school_id].append(Break(starts_on, ends_on, name))
    return {
        row.id: SchoolClock(
            row.id,
            row.timezone,
            row.language,
            row.default_cadence,
            calendar_of(tuple(breaks[row.id]), row.language),
        )
        for row in session.execute(
            select(School.id, School.timezone, School.language, School.default_cadence).where(
                School.id.in_(ids)
            )
        )
    }


@dataclass(frozen=True)
class Asked:
    """One mentee in a prompt message: the prompt, the student as the mentor sees them, when due."""

    prompt_id: int
    code: str
    display_name: str
    due_at: datetime

    @classmethod
    def of(cls, prompt: Prompt, due_at: datetime) -> Asked:
        student = prompt.mentorship.student
        return cls(prompt.id, student.code, student.display_name, due_at)


def _label(code: str, display_name: str) -> str:
    return f"{code} {display_name}".strip()


def _insert_prompts(
    session: Session, occurrences: Sequence[tuple[int, datetime, date]], now: datetime
) -> dict[int, int]:
    """Record the (mentorship id, due time, local date) occurrences; returns mentorship id -> new prompt id.

    A (mentorship, local date) recorded before is left out of the answer: that prompt exists.
    One INSERT … SELECT … RETURNING for the batch.
    """
    table = Prompt.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    columns = {"mentorship_id": Integer(), "due_at": UTCDateTime(), "local_date": Date()}
    new: dict[int, int] = {}
    for chunk in chunks(session, occurrences):
        rows, parameters = given(session, "occurrence", columns, chunk)
        recorded = select(
            rows.c.mentorship_id,
            rows.c.due_at,
            rows.c.local_date,
            literal(PromptStatus.PENDING.value),
            literal(now, UTCDateTime()),
        ).where(true())  # SQLite reads "SELECT … ON CONFLICT" without a WHERE as a join's ON
        statement = (
            insert(table)
            .from_select(["mentorship_id", "due_at", "local_date", "status", "created_at"], recorded)
            .on_conflict_do_nothing(index_elements=["mentorship_id", "local_date"])
            .returning(table.c.mentorship_id, table.c.id)
        )
        new.update(
            {mentorship_id: prompt_id for mentorship_id, prompt_id in session.execute(statement, parameters)}
        )
    return new


def _earlier_prompts(session: Session, new_prompts: dict[int, int]) -> list[Row[Any]]:
    """The latest few prompts before each new one, newest first per mentorship.

    Each mentorship's are read from the (mentorship_id, local_date) index, a few rows each: on
    PostgreSQL a LATERAL join, on SQLite (no LATERAL) the same look-up as a correlated IN.
    """
    look_back = MISSES_BEFORE_ESCALATION + 1
    found: list[Row[Any]] = []
    for chunk in chunks(session, list(new_prompts.items())):
        fresh, parameters = given(session, "fresh", {"mentorship_id": Integer(), "new_id": Integer()}, chunk)
        if session.get_bind().dialect.name == "postgresql":
            latest = (
                select(
                    Prompt.id, Prompt.mentorship_id, Prompt.status, Prompt.snoozed_until, Prompt.local_date
                )
                .where(Prompt.mentorship_id == fresh.c.mentorship_id, Prompt.id != fresh.c.new_id)
                .order_by(Prompt.local_date.desc())
                .limit(look_back)
                .lateral("latest")
            )
            query = select(latest).select_from(fresh).join(latest, true())
        else:
            other = aliased(Prompt)
            latest_ids = (
                select(other.id)
                .where(other.mentorship_id == fresh.c.mentorship_id, other.id != fresh.c.new_id)
                .order_by(other.local_date.desc())
                .limit(look_back)
                .correlate(fresh)
            )
            latest = (
                select(
                    Prompt.id, Prompt.mentorship_id, Prompt.status, Prompt.snoozed_until, Prompt.local_date
                )
                .select_from(fresh)
                .join(Prompt, Prompt.id.in_(latest_ids))
                .subquery("latest")
            )
            query = select(latest)
        ordered = query.order_by(latest.c.mentorship_id, latest.c.local_date.desc())
        found += session.execute(ordered, parameters).all()
    return found


def _missed_streaks(session: Session, new_prompts: dict[int, int], now: datetime) -> dict[int, int]:
    """Mark earlier unanswered prompts missed; return, per mentorship, how many in a row are missed.

    A snoozed prompt is not missed: the mentor answered "later", which breaks the streak. When its
    time comes with the new prompt, it is folded into that one and missed only with it.
    """
    if not new_prompts:
        return {}
    streaks: dict[int, int] = dict.fromkeys(new_prompts, 0)
    broken: set[int] = set()
    missed: list[int] = []
    folded: list[int] = []
    for prompt in _earlier_prompts(session, new_prompts):
        if prompt.mentorship_id in broken:
            continue
        status = prompt.status
        if status is PromptStatus.SNOOZED and prompt.snoozed_until is not None:
            if prompt.snoozed_until <= now:
                # Its time has come with this new prompt, which asks about the student again and
                # is answered for both: one message, not two. Unanswered by the next one, missed.
                folded.append(prompt.id)
            broken.add(prompt.mentorship_id)
            continue
        if status in (PromptStatus.SENT, PromptStatus.SNOOZED):
            missed.append(prompt.id)
            status = PromptStatus.MISSED
        if status is PromptStatus.MISSED:
            streaks[prompt.mentorship_id] += 1
        else:
            broken.add(prompt.mentorship_id)
    # By primary key: a few rows each, never a walk of every prompt in a status.
    for chunk in chunks(session, missed):
        session.execute(
            update(Prompt.__table__).where(Prompt.id.in_(chunk)).values(status=PromptStatus.MISSED)
        )
    for chunk in chunks(session, folded):
        session.execute(update(Prompt.__table__).where(Prompt.id.in_(chunk)).values(snoozed_until=None))
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
    A batch is a few set-based statements (read the due mentorships, insert their prompts, look
    back for missed streaks, insert the messages, write the next due times), whatever its size.
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
            due = session.execute(
                select(
                    Mentorship.id,
                    Mentorship.mentor_id,
                    Mentorship.cadence,
                    Mentorship.next_due_at,
                    Mentorship.started_at,
                    Student.code,
                    Student.display_name,
                    Student.school_id,
                    Member.user_id.label("mentor_user_id"),
                    Member.language.label("mentor_language"),
                    Member.school_id.label("mentor_school_id"),
                )
                .join(Mentorship.student)
                .join(Mentorship.mentor)
                .where(Mentorship.mentor_id.in_(mentor_ids), *is_due)
                .order_by(Mentorship.next_due_at)
            ).all()
            schools = school_clocks(
                session, {row.school_id for row in due} | {row.mentor_school_id for row in due}
            )
            next_due_at: dict[int, datetime | None] = {}
            occurrences = []
            for row in due:
                school = schools[row.school_id]
                if _day_passed(row.next_due_at, now, school.zone):
                    next_due_at[row.id] = _catch_up_slot(row.next_due_at, now, school)
                    continue
                occurrences.append((row.id, row.next_due_at, row.next_due_at.astimezone(school.zone).date()))
            new_prompts = _insert_prompts(session, occurrences, now)
            streaks = _missed_streaks(session, new_prompts, now)
            by_mentor: dict[int, list[tuple[Row[Any], Asked]]] = defaultdict(list)
            escalations = []
            on_time = {mentorship_id for mentorship_id, _, _ in occurrences}
            for row in due:
                if row.id not in on_time:
                    continue
                school = schools[row.school_id]
                prompt_id = new_prompts.get(row.id)
                if prompt_id is not None:
                    by_mentor[row.mentor_id].append(
                        (row, Asked(prompt_id, row.code, row.display_name, row.next_due_at))
                    )
                    if streaks[row.id] == MISSES_BEFORE_ESCALATION:
                        escalations.append((row, prompt_id))
                rule = cadence_in_force(row.cadence, school.default_cadence)
                after = max(now, row.next_due_at)
                next_due_at[row.id] = due_after(rule, school.timezone, after, school.calendar, row.started_at)
            queued = _escalations(session, escalations, schools)
            for rows in by_mentor.values():
                first = rows[0][0]
                queued.append(
                    _prompt_message(
                        schools[first.school_id],
                        first.mentor_id,
                        first.mentor_user_id,
                        first.mentor_language or schools[first.mentor_school_id].language,
                        [asked for _, asked in rows],
                        "prompts",
                    )
                )
            enqueue_all(session, queued, now=now)
            set_each(session, Mentorship.next_due_at, next_due_at)
            recorded += sum(len(rows) for rows in by_mentor.values())


def _day_passed(due: datetime, now: datetime, zone: ZoneInfo) -> bool:
    """True when the school day `due` fell on is over: the clock was down all the rest of it."""
    return now.astimezone(zone).date() > due.astimezone(zone).date()


def _catch_up_slot(missed: datetime, now: datetime, school: SchoolClock) -> datetime:
    """Where a prompt the clock was down for is asked: the next school day at its own time of day."""
    at = missed.astimezone(school.zone).time()
    return next_slot(school.calendar, school.timezone, now, at)


def _prompt_message(
    school: SchoolClock, mentor_id: int, mentor_user_id: str, language: str, asked: list[Asked], kind: str
) -> Queued:
    """One message to the mentor about `asked`: kind "prompts", "again" (after a snooze) or "reminder"."""
    reminder = kind == "reminder"
    mentees = [DueMentee(a.code, _label(a.code, a.display_name), a.due_at) for a in asked]
    notification = Notification(
        Recipient.person(mentor_user_id),
        DuePrompt(school.timezone, mentees, reminder=reminder),
        language=language,
    )
    # A prompt is asked again after each snooze: the time it was asked for tells the rounds apart.
    first = asked[0]
    key = f"{kind}:{mentor_id}:{first.prompt_id}"
    if kind == "again":
        key += f":{first.due_at.isoformat()}"
    prompt_ids = [] if reminder else [a.prompt_id for a in asked]
    return Queued(school.id, school.language, notification, key, prompt_ids)


def _escalations(
    session: Session, missed: list[tuple[Row[Any], int]], schools: dict[int, SchoolClock]
) -> list[Queued]:
    """Tell each coordinator of the school that a mentor has missed too many check-ins in a row."""
    if not missed:
        return []
    coordinators: dict[int, list[Row[Any]]] = defaultdict(list)
    for coordinator in session.execute(
        select(Member.id, Member.user_id, Member.language, Member.school_id).where(
            Member.school_id.in_({row.school_id for row, _ in missed}), Member.is_coordinator.is_(True)
        )
    ):
        coordinators[coordinator.school_id].append(coordinator)
    queued = []
    for row, prompt_id in missed:
        school = schools[row.school_id]
        for coordinator in coordinators[row.school_id]:
            message = msg(
                N_("@{mentor} has missed {count} check-ins in a row with {code}."),
                mentor=row.mentor_user_id,
                count=MISSES_BEFORE_ESCALATION,
                code=row.code,
            )
            notification = Notification(
                Recipient.person(coordinator.user_id),
                message,
                language=coordinator.language or school.language,
            )
            key = f"escalation:{row.id}:{prompt_id}:{coordinator.id}"
            queued.append(Queued(school.id, school.language, notification, key))
    return queued


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
            by_mentor: dict[int, list[tuple[Prompt, Asked]]] = defaultdict(list)
            for prompt in prompts:
                school = prompt.mentorship.student.school
                assert prompt.sent_at is not None
                due = SchoolCalendar.for_school(school).add_school_hours(
                    prompt.sent_at, after_school_hours, school.timezone
                )
                if due <= now:
                    prompt.reminded_at = now
                    by_mentor[prompt.mentorship.mentor_id].append((prompt, Asked.of(prompt, prompt.due_at)))
            enqueue_all(session, [_message_about(rows, "reminder") for rows in by_mentor.values()], now=now)
            reminded += sum(len(rows) for rows in by_mentor.values())


def _message_about(prompts: list[tuple[Prompt, Asked]], kind: str) -> Queued:
    """The message to a mentor about loaded prompts (reminders, snoozes that ended)."""
    mentorship = prompts[0][0].mentorship
    mentor = mentorship.mentor
    return _prompt_message(
        SchoolClock.of(mentorship.student.school),
        mentor.id,
        mentor.user_id,
        language_of(mentor),
        [asked for _, asked in prompts],
        kind,
    )


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
            by_mentor: dict[int, list[tuple[Prompt, Asked]]] = defaultdict(list)
            for prompt in prompts:
                assert prompt.snoozed_until is not None
                school = SchoolClock.of(prompt.mentorship.student.school)
                if _day_passed(prompt.snoozed_until, now, school.zone):
                    prompt.snoozed_until = _catch_up_slot(prompt.snoozed_until, now, school)
                    continue
                prompt.status, prompt.sent_at, prompt.reminded_at = PromptStatus.PENDING, None, None
                by_mentor[prompt.mentorship.mentor_id].append(
                    (prompt, Asked.of(prompt, prompt.snoozed_until))
                )
            enqueue_all(session, [_message_about(rows, "again") for rows in by_mentor.values()], now=now)
            asked += sum(len(rows) for rows in by_mentor.values())
