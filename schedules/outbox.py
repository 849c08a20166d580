"""Delivering the outbox: at least once, effectively once (see `handlers/delivery.py`).

Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so several workers share the work, a
sender killed between claiming and marking sent is taken over after the lease, and a platform
that is down is tried again with a growing pause instead of losing the message. A sender that is
alive keeps its lease: each claim is stamped when it is made and renewed while a slow platform
answers, so a batch that outlasts the lease is never taken over and sent twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, literal, or_, select, update

from handlers.delivery import Notifier, destinations, from_json
from handlers.early_warning import remember_message
from handlers.results import AlertNotice, Destination, Notification, Recipient, RecipientKind
from models import OutboxMessage, OutboxStatus, Prompt, PromptStatus
from models.bulk import set_each
from models.db import Database

log = logging.getLogger("mentorbot.outbox")

CLAIM_LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 30  # with the backoff, about a day of trying
BATCH = 200
# Delivered messages are marked sent in groups this size: at most this many are sent twice after a crash.
MARK_EVERY = 20


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Claim:
    """One delivery pass of one sender: a token of its own, and a clock of its own.

    The clock is the caller's `now` moved on by the time measured since with a monotonic clock:
    claims are stamped when they are made, and a clock running at a simulated date stays there.
    """

    def __init__(self, worker: str, now: datetime) -> None:
        # Two passes in one process (the clock and a request, say) must not mistake each other's claims.
        self.token = f"{worker[:55]}:{secrets.token_hex(4)}"
        self._start, self._began = now, time.monotonic()
        self._stamped = self._began

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._began)

    def stamp(self) -> datetime:
        """The time to write on a claim made or renewed now."""
        self._stamped = time.monotonic()
        return self.now()

    def running_out(self) -> bool:
        """A quarter of the lease has gone since the last stamp: renew before anyone may take over."""
        return time.monotonic() - self._stamped >= CLAIM_LEASE.total_seconds() / 4


@dataclass(frozen=True)
class _Claimed:
    outbox_id: int
    destination: Destination
    notification: Notification
    prompt_ids: list[int]


def _claim(db: Database, claim: _Claim, only: Collection[int] | None = None) -> list[_Claimed]:
    """Claim up to BATCH messages in one statement: UPDATE … WHERE id IN (the next ones, skipping
    rows another sender has locked) RETURNING what delivering them needs."""
    stamp = claim.stamp()
    outbox = OutboxMessage.__table__
    waiting = select(outbox.c.id) if only is None else select(outbox.c.id).where(outbox.c.id.in_(list(only)))
    chosen = (
        waiting.where(
            or_(
                (outbox.c.status == OutboxStatus.PENDING)
                & or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= stamp),
                # A claim this old means its sender died between claiming and marking sent.
                (outbox.c.status == OutboxStatus.SENDING) & (outbox.c.claimed_at < stamp - CLAIM_LEASE),
            )
        )
        .order_by(outbox.c.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    with db.transaction() as session:
        rows = session.execute(
            update(outbox)
            .where(outbox.c.id.in_(chosen.scalar_subquery()))
            .values(
                status=OutboxStatus.SENDING,
                claimed_at=stamp,
                claimed_by=claim.token,
                attempts=outbox.c.attempts + 1,
            )
            .returning(
                outbox.c.id,
                outbox.c.school_id,
                outbox.c.recipient_kind,
                outbox.c.recipient_id,
                outbox.c.content,
                outbox.c.language,
                outbox.c.replaces,
                outbox.c.prompt_ids,
            )
        ).all()
        # One query for the schools of the batch, not one lazy load per message.
        schools = destinations(session, {row.school_id for row in rows})
        return [
            _Claimed(
                row.id,
                schools[row.school_id],
                Notification(
                    Recipient(RecipientKind(row.recipient_kind), row.recipient_id),
                    from_json(row.content),
                    language=row.language,
                    replaces=row.replaces,
                ),
                row.prompt_ids or [],
            )
            for row in sorted(rows, key=lambda row: row.id)  # RETURNING keeps no order
        ]


def deliver_pending(
    db: Database,
    notifier: Notifier,
    now: datetime,
    worker: str | None = None,
    only: Collection[int] | None = None,
) -> list[Notification]:
    """Claim what is waiting (or was left by a dead sender), deliver it, mark it sent.

    `only`: just these outbox rows (what one person's action created); the rest is the clock's.
    """
    claim = _Claim(worker or worker_name(), now)
    delivered: list[Notification] = []
    while True:
        claimed = _claim(db, claim, only)
        ours = {message.outbox_id for message in claimed}
        sent: list[tuple[_Claimed, str | None]] = []
        for place, message in enumerate(claimed):
            if claim.running_out():
                _mark_sent(db, sent, claim.now())
                sent = []
                ours = _renew(db, claim, [later.outbox_id for later in claimed[place:]])
            if message.outbox_id not in ours:
                continue  # the lease ran out after all (a platform hung): the sender that took it sends it
            try:
                reference = notifier.deliver(message.destination, message.notification)
            except Exception as error:  # the platform's failure must not stop the others
                log.warning(
                    "delivery of outbox message %s failed: %s", message.outbox_id, type(error).__name__
                )
                _retry_later(db, message.outbox_id, claim, now)
                continue
            sent.append((message, reference))
            delivered.append(message.notification)
            if len(sent) >= MARK_EVERY:
                _mark_sent(db, sent, claim.now())
                sent = []
        _mark_sent(db, sent, claim.now())
        if len(claimed) < BATCH:
            return delivered


def _renew(db: Database, claim: _Claim, outbox_ids: list[int]) -> set[int]:
    """Stamp the claim on what is still to send; returns the messages still ours."""
    with db.transaction() as session:
        return set(
            session.scalars(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(outbox_ids),
                    OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claimed_by == claim.token,
                )
                .values(claimed_at=claim.stamp())
                .returning(OutboxMessage.id)
            )
        )


def _retry_later(db: Database, outbox_id: int, claim: _Claim, now: datetime) -> None:
    with db.transaction() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None or row.claimed_by != claim.token:
            return  # gone, or taken over by another sender: not ours to reschedule
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
            log.error("gave up delivering outbox message %s after %s attempts", outbox_id, row.attempts)
            return
        row.status, row.claimed_at = OutboxStatus.PENDING, None
        row.next_attempt_at = now + min(timedelta(minutes=2**row.attempts), MAX_BACKOFF)


def _mark_sent(db: Database, sent: list[tuple[_Claimed, str | None]], now: datetime) -> None:
    """Mark delivered messages sent, a few at a time in one transaction (a commit per message was
    most of the cost of delivering); a crash in between re-sends at most MARK_EVERY after the lease.

    Every write is by primary key: the messages, and the prompts they list.
    """
    if not sent:
        return
    with db.transaction() as session:
        references = {message.outbox_id: reference for message, reference in sent}
        set_each(session, OutboxMessage.message_ref, references, status=OutboxStatus.SENT, sent_at=now)
        prompt_ids: list[int] = []
        for message, reference in sent:
            content = message.notification.content
            if isinstance(content, AlertNotice) and not message.notification.replaces:
                # Later changes to the case update this message in place.
                remember_message(session, content.case_id, reference)
            prompt_ids += message.prompt_ids
        if prompt_ids:
            # Only a prompt still pending becomes sent (one answered meanwhile stays answered). The
            # test is in the SET, not the WHERE: a WHERE on status is planned on the status index,
            # which walks every pending prompt (100k of them when 100k are due) for a few rows.
            prompt = Prompt.__table__
            pending = prompt.c.status == PromptStatus.PENDING
            session.execute(
                update(prompt)
                .where(prompt.c.id.in_(prompt_ids))
                .values(
                    status=case(
                        (pending, literal(PromptStatus.SENT, prompt.c.status.type)), else_=prompt.c.status
                    ),
                    sent_at=case((pending, literal(now, prompt.c.sent_at.type)), else_=prompt.c.sent_at),
                )
            )
