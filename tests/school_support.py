"""What the two-school tests of every platform share: a school's id by name, a school of another
organisation (for forged ids), and one round of due prompts through a platform's notifier."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.actors import SchoolDefaults, find_or_create_school
from handlers.delivery import Notifier
from models import CheckIn, Mentorship, School, Student
from models.db import Database
from schedules.clock import Clock


def school_id(db: Database, name: str) -> int:
    with db.transaction() as session:
        return session.scalars(select(School.id).where(School.name == name)).one()


def school_elsewhere(db: Database, platform: str, workspace_id: str) -> int:
    """The id of a school of another organisation (another workspace or tenant)."""
    with db.transaction() as session:
        school = find_or_create_school(session, platform, workspace_id, SchoolDefaults(), datetime.now(UTC))
        session.flush()
        return school.id


def prompt_round(db: Database, notifier: Notifier) -> None:
    """The clock delivers every due prompt, as it would at the latest due time."""
    with db.transaction() as session:
        due = max(session.scalars(select(Mentorship.next_due_at)))
    Clock(db, notifier, worker="test").tick(due)


def saved_check_ins(db: Database) -> list[tuple[str, str]]:
    """Each check-in as (its student's name, its school's name), oldest first."""
    with db.transaction() as session:
        return list(
            session.execute(
                select(Student.display_name, School.name)
                .join(CheckIn, CheckIn.student_id == Student.id)
                .join(School, School.id == Student.school_id)
                .order_by(CheckIn.id)
            ).all()
        )
