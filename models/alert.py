"""Early warning for the student health team: one open case per student, holding the rules crossed.

An EHT that gets a card per rule learns to ignore the channel, so everything the rules say about a
student while nobody has closed it is one `AlertCase` (the school's *ärende*): one card in the EHT
channel, one status (open → acknowledged → owned → resolved), one owner, one outcome. Each rule
the student crosses is an `Alert` in it, with its evidence; a rule that no longer holds is marked
cleared, one that came from a withdrawn check-in withdrawn, and a case keeps them all.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.people import Member
from models.plan import CasePlan
from models.risk import RiskLevel
from models.student import Student


class AlertStatus(StrEnum):
    """Where a case stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    OWNED = "owned"
    RESOLVED = "resolved"


class AlertCase(Base):
    __tablename__ = "alert_case"
    __table_args__ = (
        Index(
            "uq_alert_case_one_unresolved_per_student",
            "student_id",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    status: Mapped[AlertStatus] = mapped_column(
        Enum(
            AlertStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AlertStatus.OPEN,
    )
    risk: Mapped[RiskLevel] = mapped_column(
        Enum(
            RiskLevel,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=RiskLevel.WATCH,
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the EHT was first told (the card posted, or the coordinators told there is no channel);
    # None while the case is below the level the channel gets at once (`channel_risk`).
    raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unacknowledged after `reraise_days` school days: posted once more; after as many again the
    # coordinators are told, and the channel is not asked again.
    reraised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))
    # Set with any step (acknowledge, own, resolve); a later step by a person on an open case on or
    # after it means the follow-up was done.
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    # When the owner was reminded of the follow-up (on its date, or the next school day).
    follow_up_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Repeated or long absence: has the principal's investigation (Skollagen 7 kap. 19 a §) started?
    # None until the EHT has answered.
    investigation_started: Mapped[bool | None]
    investigation_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the card was posted (e.g. a Slack message ts), so it can be updated in place.
    message_ref: Mapped[str | None] = mapped_column(String(64))

    student: Mapped[Student] = relationship()
    owner: Mapped[Member | None] = relationship(foreign_keys=[owner_id])
    acknowledged_by: Mapped[Member | None] = relationship(foreign_keys=[acknowledged_by_id])
    resolved_by: Mapped[Member | None] = relationship(foreign_keys=[resolved_by_id])
    alerts: Mapped[list[Alert]] = relationship(
        back_populates="case", order_by="Alert.id", cascade="all, delete-orphan", passive_deletes=True
    )
    plans: Mapped[list[CasePlan]] = relationship(
        order_by="CasePlan.id", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def plan(self) -> CasePlan | None:
        """The plan in force, if any (a case has at most one)."""
        return next((plan for plan in self.plans if plan.closed_at is None), None)

    @property
    def live(self) -> list[Alert]:
        """The rules the student crosses now (not cleared, not withdrawn)."""
        return [a for a in self.alerts if a.live]


class Alert(Base):
    """One rule a student crossed, within their case: its evidence as numbers, never free text."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("case_id", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("alert_case.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(40))
    # Numbers and a short trend only: never free text from a check-in.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The rule no longer holds (`models.rules.clears`); crossing it again clears this.
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The check-in behind it was withdrawn by its author: it no longer counts.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[AlertCase] = relationship(back_populates="alerts")
    student: Mapped[Student] = relationship()

    @property
    def live(self) -> bool:
        return self.cleared_at is None and self.withdrawn_at is None
