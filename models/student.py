"""Students in the risk zone, known only by a pseudonymous code (never a personal identity number)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.school import School


class Student(Base):
    __tablename__ = "student"
    __table_args__ = (
        UniqueConstraint("school_id", "code"),
        UniqueConstraint("school_id", "person_id"),
        CheckConstraint("grade IS NULL OR (grade BETWEEN 5 AND 9)", name="grade_5_to_9"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(40), default="")
    grade: Mapped[int | None]
    class_name: Mapped[str] = mapped_column(String(12), default="")
    # The school's own id for the student in its administration system (SS 12000 person id, or
    # the id column of an attendance export): how imported attendance finds the student. Never
    # a personal identity number.
    person_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped[School] = relationship()
