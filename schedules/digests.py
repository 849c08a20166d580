"""Weekly digests: participation and overdue check-ins for coordinators; for the EHT each open
case once, the most worrying first, with its age and owner (cases below the channel's risk level
reach the team here)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from handlers.actors import language_of
from handlers.alerts import open_case_rows
from handlers.delivery import enqueue
from handlers.early_warning import local_today
from handlers.results import AlertSummary, Digest, MentorOverdue, Notification, Recipient
from models import (
    AlertCase,
    AlertStatus,
    CheckIn,
    Member,
    Mentorship,
    Prompt,
    PromptStatus,
    School,
    Student,
)
from models.cadence import previous_occurrence
from models.db import Database
from schedules.routines import claim_day, has_run

WEEK = timedelta(days=7)


ROUTINE = "digests"


def record_digests(db: Database, now: datetime, digest_rule: str, timezone: str = "Europe/Stockholm") -> int:
    """Queue this week's digests once, at or after the school's digest time; returns how many.

    The week's pass over the schools runs until every school has had its digest decided; then a
    marker for the week (keyed by the occurrence's date in the installation's `timezone`) lets
    every later tick that week stop after one indexed lookup instead of visiting every school.
    """
    week = previous_occurrence(digest_rule, timezone, now, within=WEEK)
    if week is None:
        return 0
    week_day = _local_date(week, timezone)
    queued = 0
    with db.transaction() as session:
        if has_run(session, ROUTINE, week_day):
            return 0
        complete = True
        for school in session.scalars(select(School)).all():
            occurrence = previous_occurrence(digest_rule, school.timezone, now, within=WEEK)
            if occurrence is None:
                complete = False  # a school in another time zone whose digest time is still ahead
                continue
            if occurrence < school.created_at:
                continue
            key = f"digest:{school.id}:{occurrence.date().isoformat()}"
            # The school's own marker: one lookup on a unique index, however big the outbox.
            if not _has_students(session, school) or not claim_day(
                session, f"digest:{school.id}", occurrence.date()
            ):
                continue
            queued += _queue_coordinator_digests(session, school, occurrence, key, now)
            queued += _queue_eht_summary(session, school, key, now)
        if complete:
            claim_day(session, ROUTINE, week_day)
    return queued


def _has_students(session: Session, school: School) -> bool:
    found = session.scalar(select(Student.id).where(Student.school_id == school.id, Student.active).limit(1))
    return found is not None


def _queue_coordinator_digests(
    session: Session, school: School, occurrence: datetime, key: str, now: datetime
) -> int:
    digest = build_digest(session, school, occurrence - WEEK, occurrence)
    coordinators = session.scalars(
        select(Member).where(Member.school_id == school.id, Member.is_coordinator.is_(True))
    ).all()
    for coordinator in coordinators:
        enqueue(
            session,
            school,
            Notification(Recipient.person(coordinator.user_id), digest, language=language_of(coordinator)),
            f"{key}:coordinator:{coordinator.id}",
            now=now,
        )
    return len(coordinators)


def _queue_eht_summary(session: Session, school: School, key: str, now: datetime) -> int:
    if not school.eht_channel:
        return 0
    summary = AlertSummary(school.timezone, open_case_rows(session, school, local_today(school, now)))
    enqueue(
        session,
        school,
        Notification(Recipient.channel(school.eht_channel), summary, language=school.language),
        f"{key}:eht",
        now=now,
    )
    return 1


def _local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def build_digest(session: Session, school: School, start: datetime, end: datetime) -> Digest:
    """The week (start, end] as it stood at `end`: every figure adds up.

    Prompts due in the week = answered by `end` + not answered (sent, snoozed, missed), and the
    not answered ones are exactly those listed per mentor. Prompts and check-ins are counted over
    the same moments, so each check-in that answered a prompt of the week is among those logged.
    """
    in_school = (Mentorship.student_id == Student.id) & (Student.school_id == school.id)
    answered = case(
        ((Prompt.status == PromptStatus.ANSWERED) & (Prompt.answered_at <= end), 1),
        else_=0,
    )
    per_mentor = session.execute(
        select(Member.user_id, func.count(), func.sum(answered))
        .select_from(Prompt)
        .join(Mentorship, Prompt.mentorship_id == Mentorship.id)
        .join(Student, in_school)
        .join(Member, Member.id == Mentorship.mentor_id)
        .where(Prompt.due_at > start, Prompt.due_at <= end, Prompt.status != PromptStatus.CANCELLED)
        .group_by(Member.user_id)
    ).all()
    due = sum(count for _user, count, _answered in per_mentor)
    answered_count = sum(int(done or 0) for _user, _count, done in per_mentor)
    overdue = sorted(
        (
            MentorOverdue(user_id, count - int(done or 0))
            for user_id, count, done in per_mentor
            if count > int(done or 0)
        ),
        key=lambda row: (-row.overdue, row.mentor_user_id),
    )
    check_ins = session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .join(Student, CheckIn.student_id == Student.id)
        .where(Student.school_id == school.id, CheckIn.recorded_at > start, CheckIn.recorded_at <= end)
        .where(CheckIn.withdrawn_at.is_(None))
    )
    open_alerts = session.scalar(
        select(func.count())
        .select_from(AlertCase)
        .join(Student, AlertCase.student_id == Student.id)
        .where(Student.school_id == school.id, AlertCase.status != AlertStatus.RESOLVED)
    )
    today = local_today(school, end)
    return Digest(
        timezone=school.timezone,
        period_start=start,
        period_end=end,
        prompts_due=due,
        prompts_answered=answered_count,
        check_ins=check_ins or 0,
        overdue=overdue,
        open_alerts=open_alerts or 0,
        overdue_cases=[row for row in open_case_rows(session, school) if row.next_on and row.next_on < today],
    )
