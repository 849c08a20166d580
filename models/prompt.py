"""Prompt occurrences: each time a mentorship falls due, recorded before it is sent, marked after.

The unique (mentorship, local date) key means a prompt is created once however many clocks tick
(and once on the day the October change repeats an hour); the outbox delivers it and marks it sent.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Enum, ForeignKey, Index, UniqueConstraint, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.mentorship import Mentorship


class PromptStatus(StrEnum):
    PENDING = "pending"  # recorded; its message waits in the outbox
    SENT = "sent"
    ANSWERED = "answered"  # checked in, or did not meet
    SNOOZED = "snoozed"  # not answered yet: the mentor asked to be asked again at `snoozed_until`
    MISSED = "missed"  # the next occurrence came with no answer
    CANCELLED = "cancelled"  # the mentorship ended or the student left


class Prompt(Base):
    __tablename__ = "prompt"
    __table_args__ = (
        UniqueConstraint("mentorship_id", "local_date"),
        Index("ix_prompt_status_sent", "status", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[PromptStatus] = mapped_column(
        Enum(PromptStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=PromptStatus.PENDING,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a snoozed prompt is asked again; None once a newer prompt asked about the student instead.
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mentorship: Mapped[Mentorship] = relationship()


# Not answered yet: the mentor has been, or will be, asked about these.
OPEN = (PromptStatus.PENDING, PromptStatus.SENT, PromptStatus.SNOOZED)


def close_open_prompts(session: Session, mentorship_id: int, status: PromptStatus, now: datetime) -> None:
    """The mentor answered (checked in or did not meet), or the mentorship ended."""
    session.execute(
        update(Prompt)
        .where(Prompt.mentorship_id == mentorship_id, Prompt.status.in_(OPEN))
        .values(status=status, answered_at=now)
    )
