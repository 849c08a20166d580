"""What is waiting: one cheap question per tick that says which of the clock's passes have work.

Most ticks find nothing to do. Asking each pass separately costs a transaction (a pooled
connection, its liveness check and a commit) per pass; asking once, in one statement of EXISTS
lookups that each hit an index, keeps an idle tick near one round trip however many schools and
mentorships there are. The answer may say "maybe" where a pass then finds nothing; it never says
"nothing" where a pass would find work, because each lookup is the pass's own filter or wider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, ColumnElement, Date, bindparam, exists, select, text

from models import (
    AttendanceSource,
    ClockRoutine,
    GuardiansQuestion,
    Mentorship,
    OutboxMessage,
    OutboxStatus,
    Prompt,
    PromptStatus,
)
from models.attendance_source import SYNC_HOUR, SYNC_ROUTINE
from models.base import UTCDateTime
from models.cadence import previous_occurrence
from models.db import Database
from schedules import daily, digests, follow_ups, retention
from schedules.outbox import CLAIM_LEASE

if TYPE_CHECKING:
    from schedules.clock import ClockSettings


@dataclass(frozen=True)
class Waiting:
    prompts: bool = True
    snoozed: bool = True
    reminders: bool = True
    digests: bool = True
    retention: bool = True
    daily: bool = True
    follow_ups: bool = True
    guardians: bool = True
    attendance: bool = True
    outbox: bool = True


def _not_run(routine: str, day: str) -> ColumnElement[bool]:
    return ~exists().where(ClockRoutine.routine == routine, ClockRoutine.ran_on == bindparam(day, type_=Date))


def _flag(name: str) -> ColumnElement[bool]:
    return bindparam(name, type_=Boolean)


# Built once with bound parameters: constructing it anew each tick cost more than running it.
QUESTION = select(
    exists()
    .where(Mentorship.ended_at.is_(None), Mentorship.next_due_at <= bindparam("now", type_=UTCDateTime))
    .label("prompts"),
    exists()
    .where(
        Prompt.status == PromptStatus.SNOOZED,
        Prompt.snoozed_until <= bindparam("now", type_=UTCDateTime),
    )
    .label("snoozed"),
    exists()
    .where(
        Prompt.status == PromptStatus.SENT,
        Prompt.reminded_at.is_(None),
        Prompt.sent_at <= bindparam("sent_before", type_=UTCDateTime),
    )
    .label("reminders"),
    (_flag("in_digest_week") & _not_run(digests.ROUTINE, "digest_week")).label("digests"),
    _not_run(retention.ROUTINE, "retention_day").label("retention"),
    (_flag("after_daily_hour") & _not_run(daily.ROUTINE, "daily_day")).label("daily"),
    (_flag("after_daily_hour") & _not_run(follow_ups.ROUTINE, "daily_day")).label("follow_ups"),
    exists()
    .where(
        GuardiansQuestion.asked_at.is_(None),
        GuardiansQuestion.send_from.is_(None)
        | (GuardiansQuestion.send_from <= bindparam("now", type_=UTCDateTime)),
    )
    .label("guardians"),
    (
        _flag("after_sync_hour")
        & exists().where(AttendanceSource.id.is_not(None))
        & _not_run(SYNC_ROUTINE, "daily_day")
    ).label("attendance"),
    # Two lookups rather than one OR, so each can use the (status, claimed_at) index.
    (
        exists().where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at.is_(None)
            | (OutboxMessage.next_attempt_at <= bindparam("now", type_=UTCDateTime)),
        )
        | exists().where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < bindparam("lease_ended", type_=UTCDateTime),
        )
    ).label("outbox"),
)


def what_is_waiting(db: Database, now: datetime, settings: ClockSettings) -> Waiting:
    local = now.astimezone(ZoneInfo(settings.timezone))
    week = previous_occurrence(settings.digest_rule, settings.timezone, now, within=digests.WEEK)
    values = {
        "now": now,
        "sent_before": now - timedelta(hours=settings.reminder_after_school_hours),
        "in_digest_week": week is not None,
        "digest_week": (week or now).astimezone(local.tzinfo).date(),
        "retention_day": now.date(),
        "after_daily_hour": local.hour >= settings.daily_hour,
        "daily_day": local.date(),
        "after_sync_hour": local.hour >= SYNC_HOUR,
        "lease_ended": now - CLAIM_LEASE,
    }
    with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            # A prepared statement soon gets PostgreSQL's generic plan, which cannot know that
            # "due before now" matches nothing and scans the whole table (12 ms at 200k
            # mentorships); a plan made for the actual values uses the indexes.
            session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        row = session.execute(QUESTION, values).one()
    return Waiting(**{name: bool(value) for name, value in row._mapping.items()})
