"""Requests already handled, by an idempotency key, so a delivery that arrives twice is done once.

Chat platforms deliver at least once: Slack retries what it thinks timed out, people double-click.
The key is written in the same transaction as the work, so "done" and "recorded as done" cannot
drift apart, and the primary key makes a concurrent duplicate fail instead of doing the work twice.

Keys are kept for `HANDLED_KEEP` and then forgotten by the daily retention run: a repeat arrives
within seconds (a double click) or minutes (Slack's retries), and a key names a person (their
chat user id), so keeping it longer than it can serve would be keeping personal data for nothing.
A button pressed again on a message older than that acts again, as a new press.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime

HANDLED_KEEP = timedelta(days=7)


class HandledRequest(Base):
    __tablename__ = "handled_request"

    # Platform-made and opaque to the domain, e.g. "slack:view:V123" (never personal data).
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def forget_handled(session: Session, now: datetime) -> int:
    """Delete the keys older than `HANDLED_KEEP`; returns how many went."""
    cutoff = now - HANDLED_KEEP
    return session.execute(delete(HandledRequest).where(HandledRequest.handled_at < cutoff)).rowcount
