"""the guardians question (Skollagen 7 kap. 17 §): one per student and day of unexcused absence

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "guardians_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("send_from", TIME, nullable=True),
        sa.Column("asked_at", TIME, nullable=True),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("told", sa.Boolean(), nullable=True),
        sa.Column("answered_at", TIME, nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["member.id"],
            name=op.f("fk_guardians_question_answered_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["member.id"],
            name=op.f("fk_guardians_question_mentor_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_guardians_question_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardians_question")),
        sa.UniqueConstraint("student_id", "day", name=op.f("uq_guardians_question_student_id_day")),
    )
    with op.batch_alter_table("guardians_question", schema=None) as batch_op:
        batch_op.create_index("ix_guardians_question_waiting", ["asked_at", "send_from"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("guardians_question", schema=None) as batch_op:
        batch_op.drop_index("ix_guardians_question_waiting")
    op.drop_table("guardians_question")
