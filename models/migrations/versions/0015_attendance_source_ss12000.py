"""a school's SS 12000 attendance source, its watermark, and the lessons read from it

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "attendance_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("school_unit_code", sa.String(length=16), nullable=False),
        sa.Column("lessons_after", TIME, nullable=True),
        sa.Column("set_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_attendance_source_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_source")),
        sa.UniqueConstraint("school_id", name=op.f("uq_attendance_source_school_id")),
    )
    op.create_table(
        "source_lesson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("attendance_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("offered_minutes", sa.Integer(), nullable=False),
        sa.Column("absent_minutes", sa.Integer(), nullable=False),
        sa.Column("unexcused_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_source_lesson_school_id_school"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_lesson")),
        sa.UniqueConstraint(
            "school_id", "attendance_id", name=op.f("uq_source_lesson_school_id_attendance_id")
        ),
    )
    with op.batch_alter_table("source_lesson", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_lesson_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("source_lesson", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_lesson_person_id"))
    op.drop_table("source_lesson")
    op.drop_table("attendance_source")
