"""Requests already handled, by an idempotency key, so a delivery that arrives twice is done once.

Chat platforms deliver at least once: Slack retries what it thinks timed out, people double-click.
The key is written in the same transaction as the work, so "done" and "recorded as done" cannot
drift apart, and the primary key makes a concurrent duplicate fail instead of doing the work twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class HandledRequest(Base):
    __tablename__ = "handled_request"

    # Platform-made and opaque to the domain, e.g. "slack:view:V123" (never personal data).
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
