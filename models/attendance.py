"""Attendance as the school's own system registered it: minutes per student per school day.

Mentors only estimate absence in their check-ins; the school's administration system (Skola24,
SchoolSoft, ...) knows it to the minute, and knows the offered time the attendance rate needs as
its denominator. Each row is one student's school day from one source; importing the same day
from the same source again replaces it (unique per student, day and source). A student is matched
by the school's own person id for them (`Student.person_id`), never by a personal identity number.

`AttendanceSync` is what the coordinator sees with `attendance`: per school and source, when the
last import ran, how many rows it read and stored, how many students it could not match, and the
last error.

`GuardiansQuestion` is Skollagen 7 kap. 17 §: when the school's system registers unexcused absence
for a student on a school day, the guardians must be told that same day. The import writes one row
per student and absence day (unique, so a re-import or a restart never asks twice); the clock asks
the mentor at the start of the next school day whether the guardians were told, and the answer is
kept here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.people import Member
from models.student import Student


class RegisteredAttendance(Base):
    __tablename__ = "registered_attendance"
    __table_args__ = (
        UniqueConstraint("student_id", "day", "source"),
        CheckConstraint(
            "offered_minutes >= 0 AND absent_minutes >= 0 AND unexcused_minutes >= 0 "
            "AND late_arrivals >= 0 AND unexcused_minutes <= absent_minutes",
            name="minutes_add_up",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    offered_minutes: Mapped[int]
    absent_minutes: Mapped[int]
    # Of the absent minutes, those without a valid reason (ogiltig frånvaro).
    unexcused_minutes: Mapped[int]
    late_arrivals: Mapped[int]
    full_day: Mapped[bool]
    # Where the numbers came from: "CSV", "Skola24", "SS 12000", ...
    source: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AttendanceSync(Base):
    __tablename__ = "attendance_sync"
    __table_args__ = (UniqueConstraint("school_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(40))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_stored: Mapped[int] = mapped_column(default=0)
    students_unmatched: Mapped[int] = mapped_column(default=0)
    # Why the last sync stored nothing (None: it went well); never a value from the source's rows.
    last_error: Mapped[str | None] = mapped_column(String(300))


class GuardiansQuestion(Base):
    """Were the guardians told about the unexcused absence on `day`? One per student and day."""

    __tablename__ = "guardians_question"
    __table_args__ = (
        UniqueConstraint("student_id", "day"),
        # The clock's question "anything to ask?" looks only at the rows not yet asked.
        Index("ix_guardians_question_waiting", "asked_at", "send_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    # The school day with unexcused absence, and the source that registered it ("Skola24", ...).
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Not to be asked before this moment (the start of the next school day at school); None: at once.
    send_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the mentor was asked (None: not yet), and who; asked with no mentor to ask, it stays None.
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # The answer: were the guardians told that day? None: not answered.
    told: Mapped[bool | None]
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    student: Mapped[Student] = relationship()
    answered_by: Mapped[Member | None] = relationship(foreign_keys=[answered_by_id])
