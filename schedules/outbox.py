"""Writing notifications to the outbox and delivering them: at least once, effectively once.

Content is stored as JSON: each result dataclass becomes {"type": name, ...fields}, datetimes
become {"$dt": iso}. Only registered types can be read back, so the outbox never builds arbitrary
objects from what is in the database.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from handlers.delivery import Notifier
from handlers.results import (
    AlertRow,
    AlertSummary,
    Destination,
    Digest,
    DueMentee,
    DuePrompt,
    MentorOverdue,
    Notification,
    Recipient,
    RecipientKind,
)
from models import OutboxMessage, OutboxStatus, Prompt, PromptStatus, School
from models.base import utcnow
from models.db import Database
from models.messages import Message

log = logging.getLogger("mentorbot.outbox")

CONTENT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Message, DuePrompt, DueMentee, Digest, MentorOverdue, AlertSummary, AlertRow)
}
CLAIM_LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 30  # with the backoff, about a day of trying
BATCH = 200


def register_content_type(cls: type) -> None:
    """Let another result type (e.g. an EHT alert) travel through the outbox."""
    CONTENT_TYPES[cls.__name__] = cls


def to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        encoded = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": type(value).__name__, **encoded}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
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
    if "type" in value and value["type"] in CONTENT_TYPES:
        fields = {k: from_json(v) for k, v in value.items() if k != "type"}
        return CONTENT_TYPES[value["type"]](**fields)
    return {k: from_json(v) for k, v in value.items()}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(
    session: Session,
    school: School,
    notification: Notification,
    dedupe_key: str,
    language: str,
    prompt_ids: Iterable[int] = (),
) -> bool:
    """Record a message to send; returns False when that key was already decided (nothing added)."""
    table = OutboxMessage.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(
            school_id=school.id,
            dedupe_key=dedupe_key[:160],
            recipient_kind=notification.to.kind.value,
            recipient_id=notification.to.id,
            language=language,
            content=to_json(notification.content),
            prompt_ids=list(prompt_ids),
            replaces=notification.replaces,
            status=OutboxStatus.PENDING.value,
            attempts=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return session.execute(statement).rowcount == 1


def _claim(db: Database, now: datetime, worker: str) -> list[tuple[int, Destination, Notification]]:
    with db.transaction() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(
                or_(
                    (OutboxMessage.status == OutboxStatus.PENDING)
                    & or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                    # A claim this old means its sender died between claiming and marking sent.
                    (OutboxMessage.status == OutboxStatus.SENDING)
                    & (OutboxMessage.claimed_at < now - CLAIM_LEASE),
                )
            )
            .order_by(OutboxMessage.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for row in rows:
            row.status, row.claimed_at, row.claimed_by = OutboxStatus.SENDING, now, worker
            row.attempts += 1
            notification = Notification(
                Recipient(RecipientKind(row.recipient_kind), row.recipient_id),
                from_json(row.content),
                language=row.language,
                replaces=row.replaces,
            )
            claimed.append((row.id, Destination(row.school.platform, row.school.workspace_id), notification))
        return claimed


def deliver_pending(
    db: Database, notifier: Notifier, now: datetime, worker: str | None = None
) -> list[Notification]:
    """Claim what is waiting (or was left by a dead sender), deliver it, mark it sent."""
    worker = worker or worker_name()
    delivered: list[Notification] = []
    while True:
        claimed = _claim(db, now, worker)
        for outbox_id, destination, notification in claimed:
            try:
                reference = notifier.deliver(destination, notification)
            except Exception as error:  # the platform's failure must not stop the others
                log.warning("delivery of outbox message %s failed: %s", outbox_id, type(error).__name__)
                _retry_later(db, outbox_id, now)
                continue
            _mark_sent(db, outbox_id, now, reference)
            delivered.append(notification)
        if len(claimed) < BATCH:
            return delivered


def _retry_later(db: Database, outbox_id: int, now: datetime) -> None:
    with db.transaction() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            return
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
            log.error("gave up delivering outbox message %s after %s attempts", outbox_id, row.attempts)
            return
        row.status, row.claimed_at = OutboxStatus.PENDING, None
        row.next_attempt_at = now + min(timedelta(minutes=2**row.attempts), MAX_BACKOFF)


def _mark_sent(db: Database, outbox_id: int, now: datetime, reference: str | None) -> None:
    with db.transaction() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            return
        row.status, row.sent_at, row.message_ref = OutboxStatus.SENT, now, reference
        if row.prompt_ids:
            session.execute(
                update(Prompt)
                .where(Prompt.id.in_(row.prompt_ids), Prompt.status == PromptStatus.PENDING)
                .values(status=PromptStatus.SENT, sent_at=now)
            )
