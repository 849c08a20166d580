"""A check-in: what a mentor logged about a mentee — attendance, engagement, strengths, concern."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.mentorship import Mentorship
from models.people import Member
from models.student import Student


class CheckInKind(StrEnum):
    SCHEDULED = "scheduled"
    ADHOC = "adhoc"


class ConcernDomain(StrEnum):
    INDIVIDUAL = "individual"
    HOME = "home"
    SCHOOL = "school"


ENGAGEMENT_DIMENSIONS = ("behavioural", "academic", "cognitive", "affective")


class CheckIn(Base):
    __tablename__ = "check_in"
    __table_args__ = (Index("ix_check_in_student_recorded", "student_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    mentorship_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentorship.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[CheckInKind] = mapped_column(
        Enum(
            CheckInKind,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    met: Mapped[bool]

    # Attendance since the previous check-in.
    absent_days: Mapped[int] = mapped_column(default=0)
    absent_lessons: Mapped[int] = mapped_column(default=0)
    unexcused_days: Mapped[int] = mapped_column(default=0)
    unexcused_lessons: Mapped[int] = mapped_column(default=0)
    late_arrivals: Mapped[int] = mapped_column(default=0)
    # Asked when unexcused absence is logged: were the guardians told the same day (Skollagen 7 kap.
    # 17 §)? None when not asked or not answered.
    guardians_told: Mapped[bool | None]

    # The four engagement dimensions, 1-5; None when the mentor could not judge.
    behavioural: Mapped[int | None]
    academic: Mapped[int | None]
    cognitive: Mapped[int | None]
    affective: Mapped[int | None]

    strengths: Mapped[str] = mapped_column(String(300), default="")
    concern: Mapped[bool] = mapped_column(default=False)
    concern_domain: Mapped[ConcernDomain | None] = mapped_column(
        Enum(
            ConcernDomain,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # The most sensitive field: never logged, never sent to a shared channel.
    note: Mapped[str] = mapped_column(Text, default="")

    student: Mapped[Student] = relationship()
    mentorship: Mapped[Mentorship | None] = relationship()
    author: Mapped[Member | None] = relationship()

    def rating(self, dimension: str) -> int | None:
        return getattr(self, dimension)
