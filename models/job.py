"""Work a person asked for, acked at once and done by a worker: the durable queue of the web path.

A request that changes something (a command, a button, a form) is stored here in one short
transaction and acked; a worker claims it and runs the use case after. Nothing acked is lost when
a process dies: a job is deleted only once it is done and answered, and a claim older than its
lease is taken over. `key` is the request's idempotency key (a double click or a platform's retry
finds the job already there), and the use case runs under the same key, so a job taken over after
its work committed is answered "already done", never done twice.

The payload is what the request said (a check-in's answers, a plan's goal), so it is encrypted at
rest like check-in notes, and it is gone with the row when the job is done.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime
from models.crypto import EncryptedText


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_claimed_at", "claimed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # Which adapter does it ("slack", "teams") and what kind of request it was ("command", "press" …).
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(40))
    # The request as JSON, encrypted.
    payload: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
