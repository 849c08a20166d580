"""Attendance as the school's own system registered it: minutes per student per school day.

Mentors only estimate absence in their check-ins; the school's administration system (Skola24,
SchoolSoft, ...) knows it to the minute, and knows the offered time the attendance rate needs as
its denominator. Each row is one student's school day from one source; importing the same day
from the same source again replaces it (unique per student, day and source). A student is matched
by the school's own person id for them (`Student.person_id`), never by a personal identity number.

`AttendanceSync` is what the coordinator sees with `attendance`: per school and source, when the
last import ran, how many rows it read and stored, how many students it could not match, and the
last error.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


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
