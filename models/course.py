"""Course performance from the school's own system: a student's signals in the core subjects.

The "C" of the ABC early-warning indicators (attendance, behaviour, course performance). What a
student risks is failing a core subject — svenska (or svenska som andraspråk), engelska and
matematik, the three a pass in which upper-secondary eligibility needs — so only those are kept,
and only as a *signal*: an F, no grade ("-", *streck*: too little to grade on, usually absence), a
warning of F (*varning för F*, *risk för F*, which teachers give mid-term), or the opposite that
clears it: a pass (E or better; which letter is not kept) or the warning withdrawn.

Each row is one student's signal in one subject on one day, from one source ("SS 12000" from the
nightly sync, "CSV" from `mentorbot grades import`). `ref` identifies it at its source: the SS 12000
grade's id (a grade changed at the source replaces its row), or the subject and date of a CSV row
(importing the same file again changes nothing; a corrected file replaces the day). The newest
signal per subject says where the student stands (models/rules.py). A student is matched by the
school's own person id for them, like attendance; never by a personal identity number.

`CourseSync` is what the coordinator sees with `attendance`: per school and source, when grades
were last read, how many rows, how many stored, students not matched, and why the last read stored
nothing.

SS 12000 2.1.0 has grades (`/grades`: `gradeValue`, `registeredDate`, `finalGrade`, `trial`,
`syllabus`) but no grade warnings: warnings come by CSV, from systems that keep them outside the
standard.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

# The core subjects by their short designation (as SS 12000's `subjectDesignation` and Skolverket
# write them): SVA counts as svenska, since a student reads one or the other.
SWEDISH, SWEDISH_SECOND, ENGLISH, MATHEMATICS = "SV", "SVA", "EN", "MA"
CORE_SUBJECTS = (SWEDISH, SWEDISH_SECOND, ENGLISH, MATHEMATICS)
# The subject a core subject counts as: one signal per student and group is current.
SUBJECT_GROUP = {SWEDISH: SWEDISH, SWEDISH_SECOND: SWEDISH, ENGLISH: ENGLISH, MATHEMATICS: MATHEMATICS}
GROUP_ORDER = (SWEDISH, ENGLISH, MATHEMATICS)

# Skolverket's subject and course codes start with three letters (MAT, MATMAT01a, SVESVE01), in
# grundskolan after "GRGR" (GRGRMAT01, GRGRSVA01).
_CODE = re.compile(r"^(SVE|SVA|ENG|MAT)(?:[A-Z]{3})?(?:\d{2,4}[A-Z]?)?$")
_CODES = {"SVE": SWEDISH, "SVA": SWEDISH_SECOND, "ENG": ENGLISH, "MAT": MATHEMATICS}
# The subjects' Swedish names, as an export may write them instead of a code.
_NAMES = {
    "svenska": SWEDISH,
    "svenska som andraspråk": SWEDISH_SECOND,
    "svenska som andra språk": SWEDISH_SECOND,
    "engelska": ENGLISH,
    "matematik": MATHEMATICS,
}


class SignalKind(StrEnum):
    GRADE_F = "grade_f"  # the grade F
    NO_GRADE = "no_grade"  # "-": no grade, too little to grade on
    WARNING = "warning"  # a warning of F (varning för F, risk för F)
    PASSED = "passed"  # a grade E or better: no longer at risk
    WITHDRAWN = "withdrawn"  # the warning withdrawn


AT_RISK = frozenset({SignalKind.GRADE_F, SignalKind.NO_GRADE, SignalKind.WARNING})

# Grade values (SS 12000 `gradeValue`, or an export's cell) and what they signal. Grundskolan grades
# A-F and "-"; older scales (IG/G/VG/MVG) still appear in converted grades. Anything else (the
# grundsärskola's scale, "***") says nothing about a risk of F and is not kept.
GRADE_KINDS = {
    "F": SignalKind.GRADE_F,
    "IG": SignalKind.GRADE_F,
    "-": SignalKind.NO_GRADE,
    **{value: SignalKind.PASSED for value in ("A", "B", "C", "D", "E", "G", "VG", "MVG")},
}


def core_subject(text: str) -> str | None:
    """SV, SVA, EN or MA for a core subject's designation, Skolverket code or Swedish name; else None."""
    name = " ".join(text.split()).casefold()
    if name in _NAMES:
        return _NAMES[name]
    upper = name.upper()
    if upper in CORE_SUBJECTS:
        return upper
    found = _CODE.match(upper.removeprefix("GRGR"))
    return _CODES[found.group(1)] if found else None


def grade_kind(value: str) -> SignalKind | None:
    """What a grade value signals (F, no grade, passed), or None for a scale that says nothing of F."""
    return GRADE_KINDS.get(value.strip().upper())


class CourseSignal(Base):
    __tablename__ = "course_signal"
    __table_args__ = (UniqueConstraint("student_id", "source", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(3))  # SV, SVA, EN, MA
    kind: Mapped[str] = mapped_column(String(12))  # a SignalKind
    # The day of the signal: the grade's registered date, the warning's date.
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40))
    # The signal's identity at its source: an SS 12000 grade id, or "MA:2026-11-12" for a CSV row.
    ref: Mapped[str] = mapped_column(String(80))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CourseSync(Base):
    __tablename__ = "course_sync"
    __table_args__ = (UniqueConstraint("school_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(40))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_stored: Mapped[int] = mapped_column(default=0)
    students_unmatched: Mapped[int] = mapped_column(default=0)
    # Why the last read stored nothing (None: it went well); never a value from the source's rows.
    last_error: Mapped[str | None] = mapped_column(String(300))
