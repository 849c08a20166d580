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
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from handlers.delivery import Notifier, destinations, from_json
from handlers.early_warning import remember_message
from handlers.results import AlertNotice, Destination, Notification, Recipient, RecipientKind
from models import OutboxMessage, OutboxStatus, Prompt, PromptStatus
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


def _claim(
    db: Database, claim: _Claim, only: Collection[int] | None = None
) -> list[tuple[int, Destination, Notification]]:
    stamp = claim.stamp()
    waiting = (
        select(OutboxMessage)
        if only is None
        else select(OutboxMessage).where(OutboxMessage.id.in_(list(only)))
    )
    with db.transaction() as session:
        rows = session.scalars(
            waiting
            .where(
                or_(
                    (OutboxMessage.status == OutboxStatus.PENDING)
                    & or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= stamp),
                    # A claim this old means its sender died between claiming and marking sent.
                    (OutboxMessage.status == OutboxStatus.SENDING)
                    & (OutboxMessage.claimed_at < stamp - CLAIM_LEASE),
                )
            )
            .order_by(OutboxMessage.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        # One query for the schools of the batch, not one lazy load per message.
        schools = destinations(session, {row.school_id for row in rows})
        claimed = []
        for row in rows:
            row.status, row.claimed_at, row.claimed_by = OutboxStatus.SENDING, stamp, claim.token
            row.attempts += 1
            notification = Notification(
                Recipient(RecipientKind(row.recipient_kind), row.recipient_id),
                from_json(row.content),
                language=row.language,
                replaces=row.replaces,
            )
            claimed.append((row.id, schools[row.school_id], notification))
        return claimed


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
        ours = {outbox_id for outbox_id, _, _ in claimed}
        sent: list[tuple[int, str | None]] = []
        for place, (outbox_id, destination, notification) in enumerate(claimed):
            if claim.running_out():
                _mark_sent(db, sent, claim.now())
                sent = []
                ours = _renew(db, claim, [outbox_id for outbox_id, _, _ in claimed[place:]])
            if outbox_id not in ours:
                continue  # the lease ran out after all (a platform hung): the sender that took it sends it
            try:
                reference = notifier.deliver(destination, notification)
            except Exception as error:  # the platform's failure must not stop the others
                log.warning("delivery of outbox message %s failed: %s", outbox_id, type(error).__name__)
                _retry_later(db, outbox_id, claim, now)
                continue
            sent.append((outbox_id, reference))
            delivered.append(notification)
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


def _mark_sent(db: Database, sent: list[tuple[int, str | None]], now: datetime) -> None:
    """Mark delivered messages sent, a few at a time in one transaction (a commit per message was
    most of the cost of delivering); a crash in between re-sends at most MARK_EVERY after the lease."""
    if not sent:
        return
    references = dict(sent)
    with db.transaction() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(references))).all()
        prompt_ids: list[int] = []
        for row in rows:
            row.status, row.sent_at, row.message_ref = OutboxStatus.SENT, now, references[row.id]
            content = row.content
            if content.get("type") == AlertNotice.__name__ and not row.replaces:
                # Later changes to the case update this message in place.
                remember_message(session, content["case_id"], references[row.id])
            prompt_ids += row.prompt_ids or []
        if prompt_ids:
            session.execute(
                update(Prompt)
                .where(Prompt.id.in_(prompt_ids), Prompt.status == PromptStatus.PENDING)
                .values(status=PromptStatus.SENT, sent_at=now)
            )
