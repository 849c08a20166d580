"""attendance from the school's own system: a person id per student, registered minutes per day, sync status

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_student_school_id_person_id"), ["school_id", "person_id"]
        )
    op.create_table(
        "registered_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("offered_minutes", sa.Integer(), nullable=False),
        sa.Column("absent_minutes", sa.Integer(), nullable=False),
        sa.Column("unexcused_minutes", sa.Integer(), nullable=False),
        sa.Column("late_arrivals", sa.Integer(), nullable=False),
        sa.Column("full_day", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("imported_at", TIME, nullable=False),
        sa.CheckConstraint(
            "offered_minutes >= 0 AND absent_minutes >= 0 AND unexcused_minutes >= 0 "
            "AND late_arrivals >= 0 AND unexcused_minutes <= absent_minutes",
            name=op.f("ck_registered_attendance_minutes_add_up"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_registered_attendance_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registered_attendance")),
        sa.UniqueConstraint(
            "student_id", "day", "source", name=op.f("uq_registered_attendance_student_id_day_source")
        ),
    )
    op.create_table(
        "attendance_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("synced_at", TIME, nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_stored", sa.Integer(), nullable=False),
        sa.Column("students_unmatched", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_attendance_sync_school_id_school"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_sync")),
        sa.UniqueConstraint("school_id", "source", name=op.f("uq_attendance_sync_school_id_source")),
    )


def downgrade() -> None:
    op.drop_table("attendance_sync")
    op.drop_table("registered_attendance")
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_student_school_id_person_id"), type_="unique")
        batch_op.drop_column("person_id")
