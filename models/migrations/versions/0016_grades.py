"""course signals (F, no grade, F warnings) per student, their import status, and the grades watermark

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "course_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("imported_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_course_signal_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_signal")),
        sa.UniqueConstraint(
            "student_id", "source", "ref", name=op.f("uq_course_signal_student_id_source_ref")
        ),
    )
    op.create_table(
        "course_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("synced_at", TIME, nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_stored", sa.Integer(), nullable=False),
        sa.Column("students_unmatched", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_course_sync_school_id_school"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_sync")),
        sa.UniqueConstraint("school_id", "source", name=op.f("uq_course_sync_school_id_source")),
    )
    with op.batch_alter_table("attendance_source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grades_after", TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attendance_source", schema=None) as batch_op:
        batch_op.drop_column("grades_after")
    op.drop_table("course_sync")
    op.drop_table("course_signal")
