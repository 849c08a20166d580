"""The outbox: every message the clock sends is written here in the same transaction as the change
that causes it, then delivered by whichever worker claims it.

A unique `dedupe_key` means a message is decided once however many workers tick; a claim that
grows old (the sender died) is taken over, so nothing is lost; `sent_at` marks delivery.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.school import School


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after a day of errors; kept for the operator


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_claimed", "status", "claimed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    # The notification content as plain JSON (see schedules/outbox.py); never free-text notes.
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Rows whose state follows delivery, e.g. the prompts a "time to check in" message lists.
    prompt_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    replaces: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # After a failed delivery: not before this time (backing off while a platform is down).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ref: Mapped[str | None] = mapped_column(String(64))

    school: Mapped[School] = relationship()


class ClockRoutine(Base):
    """A daily routine that has run: the unique (routine, day) makes it run once a day."""

    __tablename__ = "clock_routine"
    __table_args__ = (UniqueConstraint("routine", "ran_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    routine: Mapped[str] = mapped_column(String(40))
    ran_on: Mapped[date] = mapped_column(Date)
