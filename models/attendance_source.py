"""Where a school's attendance comes from at night: its SS 12000 source, and the lessons read from it.

The coordinator names the source in chat (`attendance source ss12000 URL SKOLENHETSKOD`); the
credentials never pass through chat, the operator puts them in the environment. `lessons_after` is
the watermark: the latest `meta.modified` the source returned, read again next night as
`meta.modified.after`; `grades_after` is the same for grades.

An incremental read returns only the lessons that changed, so a day's figures cannot be rebuilt
from one night's read alone: every reported lesson is kept here by its SS 12000 attendance id (a
lesson changed at the source comes again with the same id and replaces the one kept), and a
student's day is added up from all its kept lessons. Only minutes and the SS 12000 person id are
kept, never a name.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

SS12000 = "ss12000"
# The clock's routine that reads every school's source at night, and the hour at school it starts:
# by then the day's lessons are reported.
SYNC_ROUTINE = "attendance-sync"
SYNC_HOUR = 2


def env_name(school: str) -> str:
    """The school's name as it appears in environment variable names: "Norra skolan" -> NORRA_SKOLAN.

    The operator names a school's SS 12000 credentials with it; the coordinator is told the names.
    """
    folded = school.upper().translate(str.maketrans("ÅÄÖÉÜ", "AAOEU"))
    return re.sub(r"[^A-Z0-9]+", "_", folded).strip("_")


class AttendanceSource(Base):
    __tablename__ = "attendance_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "ss12000"
    base_url: Mapped[str] = mapped_column(String(300))
    school_unit_code: Mapped[str] = mapped_column(String(16))  # skolenhetskod
    # The latest meta.modified read from the source (None: nothing read yet).
    lessons_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The same for grades (`/grades`), read on the same nights.
    grades_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SourceLesson(Base):
    __tablename__ = "source_lesson"
    __table_args__ = (UniqueConstraint("school_id", "attendance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    attendance_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    day: Mapped[date] = mapped_column(Date)
    offered_minutes: Mapped[int]
    absent_minutes: Mapped[int]
    unexcused_minutes: Mapped[int]
