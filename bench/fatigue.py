"""Alert fatigue on a generated term: EHT channel messages under the old policy and today's.

Not a timing: a count. A term of check-ins is seeded (`mentorbot seed`'s generator) and every
school's alerts are replayed as `rules backtest` does; `models.fatigue` counts what the channel
would have received with a card per rule re-posted every 3 school days while unacknowledged
(before) and with one case per student, posted once it is at the level the channel gets at once,
raised once more and then sent to the coordinators (after), with the schools' default settings.
The target of issue 14: after is at most a quarter of before.

Nobody knows how fast a team would have acknowledged a replayed card, and the old policy's cost
grows with it (a repost every 3 school days) while today's does not, so the row is measured at
several paces: acknowledged after 2, 5 (the default: a weekly EHT meeting), 10 and 20 school days,
resolved after twice that (at least 10).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bench.table import Row
from handlers.early_warning import backtest_school, local_today
from models import School
from models.db import Database
from models.fatigue import Fatigue, Pace
from models.seed import SeedReport, SeedSize, seed

STUDENTS = 600  # 20 schools of 30
WEEKS = 12  # a term of weekly check-ins
TARGET = 0.25
PACES = tuple(Pace(days, max(10, 2 * days)) for days in (2, 5, 10, 20))


def seed_term(db: Database, now: datetime, students: int = STUDENTS) -> SeedReport:
    return seed(db, SeedSize(students=students, check_ins_per_student=WEEKS, now=now), progress_out=None)


def measure(db: Database, now: datetime, pace: Pace) -> tuple[Fatigue, int]:
    """Both policies summed over every school's term, and how many schools (channels) there are."""
    students = before = after = days = 0
    with db.transaction() as session:
        schools = session.scalars(select(School).order_by(School.id)).all()
        for school in schools:
            end = local_today(school, now)
            _start, _rows, counted = backtest_school(session, school, None, end, pace=pace)
            students += counted.students
            before += counted.before
            after += counted.after
            days = max(days, counted.days)
        session.rollback()
    return Fatigue(students, days, before, after), len(schools)


def rows(db: Database, now: datetime) -> list[Row]:
    return [_row(db, now, pace) for pace in PACES]


def _row(db: Database, now: datetime, pace: Pace) -> Row:
    counted, schools = measure(db, now, pace)
    per_channel = max(schools, 1)

    def figures(messages: int) -> str:
        return (
            f"{counted.per_student_month(messages):.2f} cards/student/month, "
            f"{counted.per_week(messages) / per_channel:.1f} msgs/week per channel"
        )

    ratio = counted.ratio
    return Row(
        f"EHT channel, {counted.students} students, {schools} schools, {counted.days} days; "
        f"acknowledged after {pace.acknowledged_after} school days",
        f"after: {figures(counted.after)}",
        f"before: {figures(counted.before)}",
        "-" if ratio is None else f"{ratio:.2f} of before",
        "after <= 1/4 of before",
        met=None if ratio is None else ratio <= TARGET,
    )
