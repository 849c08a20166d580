"""Prompt occurrences: each time a mentorship falls due, recorded before it is sent, marked after.

The unique (mentorship, local date) key means a prompt is created once however many clocks tick,
and the status column lets a crashed sender's work be swept up by the next tick.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.mentorship import Mentorship


class PromptStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet claimed by a sender
    SENDING = "sending"  # claimed; if the claim grows old, the sender died and it is sent again
    SENT = "sent"
    ANSWERED = "answered"  # checked in, did not meet, or snoozed
    MISSED = "missed"  # the next occurrence came with no answer
    CANCELLED = "cancelled"  # the mentorship ended or the student left


class Prompt(Base):
    __tablename__ = "prompt"
    __table_args__ = (
        UniqueConstraint("mentorship_id", "local_date"),
        Index("ix_prompt_status_claimed", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[PromptStatus] = mapped_column(
        Enum(PromptStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=PromptStatus.PENDING,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ref: Mapped[str | None] = mapped_column(String(64))

    mentorship: Mapped[Mentorship] = relationship()
