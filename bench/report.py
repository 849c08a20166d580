"""The outcome report at the programme's size: 40 schools of 30 students over one school year.

The issue's target: the programme's report builds in under 30 s. A seeded programme (models/seed.py:
weekly cadences, a check-in most weeks, the alerts the rules raised and what the student health
team did about them) from mid-August to June, with every student's attendance registered by the
school's system on each weekday from the spring term before to June, is reported on three ways,
each timed from the database to the finished text: the programme as HTML (every chart drawn), the
programme as the evaluators' CSV, and one school as HTML.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from bench.table import Row
from bot.reports import make_report
from models import RegisteredAttendance, Student
from models.db import Database
from models.seed import SeedReport, SeedSize, seed

SCHOOLS = 40
STUDENTS_PER_SCHOOL = 30
WEEKS = 38  # a Swedish school year: mid-August to mid-June, in school weeks
YEAR_ENDS = datetime(2027, 6, 10, 12, tzinfo=UTC)  # a Thursday before the summer break
FIRST, LAST = date(2026, 8, 1), date(2027, 6, 10)
TARGET_SECONDS = 30.0
REGISTERED_FROM = date(2026, 1, 12)  # the spring term before the students joined


def seed_programme(
    db: Database, schools: int = SCHOOLS, students: int = STUDENTS_PER_SCHOOL, weeks: int = WEEKS
) -> SeedReport:
    """`schools` schools of `students` students with `weeks` school weeks of check-ins and alerts."""
    size = SeedSize(
        students=schools * students,
        schools=schools,
        check_ins_per_student=weeks,
        now=YEAR_ENDS,
        random_seed=15,
    )
    seeded = seed(db, size, progress_out=None)
    _register_attendance(db)
    return seeded


def _register_attendance(db: Database) -> None:
    """Each student's weekdays from REGISTERED_FROM to the year's end, as a CSV import would store them."""
    weekdays = [
        day
        for n in range((YEAR_ENDS.date() - REGISTERED_FROM).days + 1)
        if (day := REGISTERED_FROM + timedelta(days=n)).weekday() < 5
    ]
    with db.transaction() as session:
        for student_id in session.scalars(select(Student.id)).all():
            session.execute(
                insert(RegisteredAttendance),
                [
                    {
                        "student_id": student_id,
                        "day": day,
                        "offered_minutes": 300,
                        "absent_minutes": (student_id + day.toordinal()) % 7 * 20,
                        "unexcused_minutes": (student_id + day.toordinal()) % 7 * 5,
                        "late_arrivals": 0,
                        "full_day": False,
                        "source": "CSV",
                        "imported_at": YEAR_ENDS,
                    }
                    for day in weekdays
                ],
            )


def timed(build: Callable[[], object]) -> float:
    started = time.perf_counter()
    build()
    return time.perf_counter() - started


def rows(db: Database, kind: str, seeded: SeedReport, full_size: bool) -> list[Row]:
    """Three reports of the seeded programme; the target is checked at the issue's size only."""
    size = f"{seeded.schools} schools x {seeded.students // max(seeded.schools, 1)} students, a school year"
    some_school = _first_school(db)

    def report(school: str | None, format: str) -> Callable[[], object]:
        return lambda: make_report(db, school=school, first=FIRST, last=LAST, format=format, now=YEAR_ENDS)

    programme_html = timed(report(None, "html"))
    programme_csv = timed(report(None, "csv"))
    school_html = timed(report(some_school, "html"))
    target = f"< {TARGET_SECONDS:.0f} s"
    return [
        Row(
            f"outcome report, programme, HTML with charts, {kind}, {size} ({seeded.check_ins:,} check-ins)",
            f"{programme_html:.1f} s",
            target=target,
            met=programme_html < TARGET_SECONDS if full_size else None,
        ),
        Row(
            f"outcome report, programme, CSV, {kind}",
            f"{programme_csv:.1f} s",
            target=target,
            met=programme_csv < TARGET_SECONDS if full_size else None,
        ),
        Row(f"outcome report, one school, HTML with charts, {kind}", f"{school_html:.1f} s"),
    ]


def _first_school(db: Database) -> str:
    from sqlalchemy import select

    from models import School

    with db.transaction() as session:
        return session.scalars(select(School.name).order_by(School.id).limit(1)).one()
