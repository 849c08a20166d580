"""An early-warning alert for the student health team: one open alert per student and rule."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.people import Member
from models.student import Student


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    OWNED = "owned"
    RESOLVED = "resolved"


class Alert(Base):
    __tablename__ = "alert"
    __table_args__ = (
        Index(
            "uq_alert_one_unresolved_per_rule",
            "student_id",
            "rule",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(40))
    status: Mapped[AlertStatus] = mapped_column(
        Enum(
            AlertStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AlertStatus.OPEN,
    )
    # Numbers and a short trend only: never free text from a check-in.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    # When the owner was reminded of the follow-up (on its date, or the next school day).
    follow_up_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Repeated or long absence: has the principal's investigation (Skollagen 7 kap. 19 a §) started?
    # None until the EHT has answered.
    investigation_started: Mapped[bool | None]
    investigation_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the alert was posted (e.g. a Slack message ts), so it can be updated in place.
    message_ref: Mapped[str | None] = mapped_column(String(64))

    student: Mapped[Student] = relationship()
    owner: Mapped[Member | None] = relationship(foreign_keys=[owner_id])
    acknowledged_by: Mapped[Member | None] = relationship(foreign_keys=[acknowledged_by_id])
    resolved_by: Mapped[Member | None] = relationship(foreign_keys=[resolved_by_id])
