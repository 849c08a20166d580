"""The audit trail: who did what to which object, and when — never the content itself."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from typing import TextIO

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime
from models.db import Database
from models.people import Member
from models.school import School


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_school_at", "school_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    # None for the system itself (the clock, retention).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


def record(
    session: Session,
    actor: Member | None,
    school_id: int,
    action: str,
    object_type: str,
    object_id: object,
    at: datetime,
) -> None:
    session.add(
        AuditEvent(
            at=at,
            school_id=school_id,
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
        )
    )


CSV_COLUMNS = ("at", "school", "actor", "action", "object_type", "object_id")


def export_csv(db: Database, first_day: date, last_day: date, out: TextIO) -> int:
    """Write the audit events of the period (UTC dates, inclusive) as CSV; returns how many."""
    start = datetime.combine(first_day, time(), tzinfo=UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=UTC)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    with db.transaction() as session:
        rows = session.execute(
            select(AuditEvent, School.platform, School.workspace_id, Member.user_id)
            .join(School, School.id == AuditEvent.school_id)
            .outerjoin(Member, Member.id == AuditEvent.actor_id)
            .where(AuditEvent.at >= start, AuditEvent.at < end)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
        for event, platform, workspace, actor in rows:
            writer.writerow(
                (
                    event.at.isoformat(),
                    f"{platform}:{workspace}",
                    actor or "system",
                    event.action,
                    event.object_type,
                    event.object_id,
                )
            )
            count += 1
    return count
