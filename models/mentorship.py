"""A mentorship: one mentor following one student over a period, with its check-in cadence."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.cadence import CADENCE_OFF, DEFAULT_CADENCE, next_due, time_of_day
from models.calendar import SchoolCalendar
from models.people import Member
from models.student import Student


class Mentorship(Base):
    __tablename__ = "mentorship"
    __table_args__ = (
        # One active mentor per student; ended mentorships stay as history.
        Index(
            "uq_mentorship_one_active_per_student",
            "student_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_mentorship_active_next_due", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Every mentorship of a student, ended ones too (a school's digest and App Home join on it).
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    # RFC 5545 RRULE in the school's time zone; None means the school's default cadence.
    cadence: Mapped[str | None] = mapped_column(String(200))
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()
    mentor: Mapped[Member] = relationship()

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def rule(self) -> str:
        """The cadence in force: the mentorship's own, else the school's default (may be "off")."""
        return cadence_in_force(self.cadence, self.student.school.default_cadence)

    def time_of_day(self) -> time | None:
        """The local time of day the cadence asks at; None when it is off or does not say."""
        return None if self.rule == CADENCE_OFF else time_of_day(self.rule)

    def schedule_next(self, after: datetime, calendar: SchoolCalendar | None = None) -> None:
        """Set `next_due_at` to the cadence's first school-day occurrence after `after`."""
        school = self.student.school
        self.next_due_at = due_after(
            self.rule, school.timezone, after, calendar or SchoolCalendar.for_school(school), self.started_at
        )


def cadence_in_force(cadence: str | None, school_default: str | None) -> str:
    """A mentorship's own cadence, else its school's default, else ours (may be "off")."""
    return cadence or school_default or DEFAULT_CADENCE


def due_after(
    rule: str, timezone: str, after: datetime, calendar: SchoolCalendar, started_at: datetime | None
) -> datetime | None:
    """When a mentorship with `rule`, started at `started_at`, is next due after `after` (None: off)."""
    if rule == CADENCE_OFF:
        return None
    return next_due(rule, timezone, after, calendar, anchor=started_at or after)
