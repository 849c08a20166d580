"""The notification port, and the outbox every notification passes through on its way out.

Use cases and the clock never send anything themselves: they write each notification to the
outbox in the same transaction as the change that caused it (`enqueue`), and a deliverer
(`schedules/outbox.py`) hands it to the school's platform through a `Notifier`. So a notification
is never sent for a change that was rolled back, and never lost when a platform is down.

Content is stored as JSON: each result dataclass becomes {"type": name, ...fields}, datetimes
{"$dt": iso} and dates {"$date": iso}. Only registered types are read back, so the outbox never
builds arbitrary objects from what is in the database.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import func, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from handlers.results import (
    AlertNotice,
    AlertRow,
    AlertSummary,
    CrossedRule,
    Destination,
    Digest,
    DueMentee,
    DuePrompt,
    GuardiansToldQuestion,
    MentorOverdue,
    Notification,
)
from models import OutboxMessage, OutboxStatus, School
from models.base import UTCDateTime
from models.bulk import chunks, given
from models.messages import Message


class DeliveryFailed(Exception):
    """The platform did not take the message; it stays in the outbox and is tried again later."""


class Notifier(Protocol):
    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        """Post the notification (or update `notification.replaces`); return a reference to the message."""
        ...


CONTENT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Message,
        DuePrompt,
        DueMentee,
        Digest,
        MentorOverdue,
        AlertSummary,
        AlertRow,
        AlertNotice,
        CrossedRule,
        GuardiansToldQuestion,
    )
}


def to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        encoded = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": type(value).__name__, **encoded}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"$dt"}:
        return datetime.fromisoformat(value["$dt"])
    if set(value) == {"$date"}:
        return date.fromisoformat(value["$date"])
    if "type" in value and value["type"] in CONTENT_TYPES:
        fields = {k: from_json(v) for k, v in value.items() if k != "type"}
        return CONTENT_TYPES[value["type"]](**fields)
    return {k: from_json(v) for k, v in value.items()}


def school_label(school_id: int, name: str) -> str:
    """How a school is named to people: its name, or its number until someone names it."""
    return name or f"#{school_id}"


def destinations(session: Session, school_ids: Iterable[int]) -> dict[int, Destination]:
    """Where each school's messages go, in two queries; named where its workspace holds several."""
    rows = session.execute(
        select(
            School.id,
            School.platform,
            School.workspace_id,
            School.enterprise_id,
            School.name,
            School.organisation_id,
        ).where(School.id.in_(set(school_ids)))
    ).all()
    sizes = dict(
        session.execute(
            select(School.organisation_id, func.count(School.id))
            .where(School.organisation_id.in_({row.organisation_id for row in rows}))
            .group_by(School.organisation_id)
        ).all()
    )
    return {
        row.id: Destination(
            row.platform,
            row.workspace_id,
            row.enterprise_id,
            row.id,
            school_label(row.id, row.name) if sizes.get(row.organisation_id, 0) > 1 else None,
        )
        for row in rows
    }


def destination_of(session: Session, school: School) -> Destination:
    return destinations(session, [school.id])[school.id]


@dataclass(frozen=True)
class Queued:
    """A notification to record in the outbox under its key (see `enqueue_all`)."""

    school_id: int
    school_language: str
    notification: Notification
    dedupe_key: str
    prompt_ids: Sequence[int] = ()


def _row(queued: Queued, now: datetime) -> dict[str, Any]:
    notification = queued.notification
    return {
        "school_id": queued.school_id,
        "dedupe_key": queued.dedupe_key[:160],
        "recipient_kind": notification.to.kind.value,
        "recipient_id": notification.to.id,
        "language": notification.language or queued.school_language,
        "content": to_json(notification.content),
        "prompt_ids": list(queued.prompt_ids),
        "replaces": notification.replaces,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "created_at": now,
    }


# What differs from one queued message to the next; the rest is the same for a whole batch.
_GIVEN = (
    "school_id",
    "dedupe_key",
    "recipient_kind",
    "recipient_id",
    "language",
    "content",
    "prompt_ids",
    "replaces",
)


def _insert(session: Session) -> Any:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(OutboxMessage.__table__)


def enqueue(
    session: Session,
    school: School,
    notification: Notification,
    dedupe_key: str | None = None,
    prompt_ids: Iterable[int] = (),
    *,
    now: datetime,
) -> int | None:
    """Record a notification to send; its outbox id, or None when that key was already decided.

    Without a key the notification is always new (a person's action happens once).
    """
    queued = Queued(
        school.id, school.language, notification, dedupe_key or f"once:{uuid.uuid4().hex}", list(prompt_ids)
    )
    statement = (
        _insert(session)
        .values(_row(queued, now))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        # rowcount is not reliable for INSERT on every driver; a returned id is.
        .returning(OutboxMessage.__table__.c.id)
    )
    return session.execute(statement).scalar()


def enqueue_all(session: Session, queued: Sequence[Queued], *, now: datetime) -> int:
    """Record many notifications in one statement (the clock's batch), not one INSERT per message;
    a key decided before is left as it was. Returns how many were new."""
    table = OutboxMessage.__table__
    new = 0
    for chunk in chunks(session, [_row(q, now) for q in queued]):
        columns = {name: table.c[name].type for name in _GIVEN}
        rows, parameters = given(
            session, "message", columns, [[row[name] for name in _GIVEN] for row in chunk]
        )
        messages = select(
            *(rows.c[name] for name in _GIVEN),
            literal(OutboxStatus.PENDING.value),
            literal(0),
            literal(now, UTCDateTime()),
        ).where(true())  # SQLite reads "SELECT … ON CONFLICT" without a WHERE as a join's ON
        statement = (
            _insert(session)
            .from_select([*_GIVEN, "status", "attempts", "created_at"], messages)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id)
        )
        new += len(session.execute(statement, parameters).all())
    return new
