"""The data model on real databases: constraints that protect the rules, UTC time, migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Base, Member, Mentorship, Organisation, School, Student, migrate
from models.db import Database

NOW = datetime(2026, 3, 30, 6, 30, tzinfo=UTC)


def seed(db: Database) -> tuple[int, int, int]:
    with db.transaction() as session:
        school = School(
            organisation=Organisation(platform="console", workspace_id="w", created_at=NOW),
            platform="console",
            workspace_id="w",
            thresholds={},
            created_at=NOW,
        )
        anna = Member(school=school, user_id="anna", created_at=NOW)
        bo = Member(school=school, user_id="bo", created_at=NOW)
        student = Student(school=school, code="7B-03", created_at=NOW)
        session.add_all([school, anna, bo, student])
        session.flush()
        return student.id, anna.id, bo.id


def test_one_active_mentor_per_student_is_enforced_by_the_database(db: Database) -> None:
    student_id, anna_id, bo_id = seed(db)
    with db.transaction() as session:
        session.add(Mentorship(student_id=student_id, mentor_id=anna_id, started_at=NOW))
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(Mentorship(student_id=student_id, mentor_id=bo_id, started_at=NOW))
    with db.transaction() as session:
        session.scalars(select(Mentorship)).one().ended_at = NOW
        session.add(Mentorship(student_id=student_id, mentor_id=bo_id, started_at=NOW))
    with db.transaction() as session:
        assert len(session.scalars(select(Mentorship)).all()) == 2


def test_student_code_unique_per_school_and_grade_checked(db: Database) -> None:
    seed(db)
    with pytest.raises(IntegrityError), db.transaction() as session:
        school = session.scalars(select(School)).one()
        session.add(Student(school=school, code="7B-03", created_at=NOW))
    with pytest.raises(IntegrityError), db.transaction() as session:
        school = session.scalars(select(School)).one()
        session.add(Student(school=school, code="X1", grade=4, created_at=NOW))
    with db.transaction() as session:
        other = School(
            organisation=Organisation(platform="console", workspace_id="other", created_at=NOW),
            platform="console",
            workspace_id="other",
            thresholds={},
            created_at=NOW,
        )
        session.add(Student(school=other, code="7B-03", created_at=NOW))


def test_times_are_stored_as_utc_and_read_back_aware(db: Database) -> None:
    student_id, anna_id, _ = seed(db)
    stockholm_morning = datetime(2026, 3, 30, 8, 30, tzinfo=timezone(timedelta(hours=2)))
    with db.transaction() as session:
        session.add(
            Mentorship(
                student_id=student_id, mentor_id=anna_id, started_at=NOW, next_due_at=stockholm_morning
            )
        )
    with db.transaction() as session:
        due = session.scalars(select(Mentorship.next_due_at)).one()
    assert due == stockholm_morning
    assert due.utcoffset() == timedelta(0) and due.hour == 6


def test_naive_times_are_refused(db: Database) -> None:
    student_id, anna_id, _ = seed(db)
    with pytest.raises(Exception, match="naive"), db.transaction() as session:
        session.add(
            Mentorship(
                student_id=student_id, mentor_id=anna_id, started_at=NOW, next_due_at=datetime(2026, 1, 1)
            )
        )
        session.flush()


# slack_sdk's OAuth stores own these tables (with their own MetaData); migration 0004 creates them.
SLACK_SDK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}


def _not_slack_sdks(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    table = name if type_ == "table" else parent_names.get("table_name")
    return table not in SLACK_SDK_TABLES


def test_migrations_create_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _not_slack_sdks})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert migrate.is_up_to_date(db.engine)


def test_upgrade_is_idempotent(db: Database) -> None:
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
