"""privacy and daily routines: free text encrypted, retention per school, clock routines

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clock_routine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("routine", sa.String(length=40), nullable=False),
        sa.Column("ran_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_routine")),
        sa.UniqueConstraint("routine", "ran_on", name=op.f("uq_clock_routine_routine_ran_on")),
    )
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.alter_column(
            "strengths", existing_type=sa.VARCHAR(length=300), type_=sa.Text(), existing_nullable=False
        )

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retention_ran_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("retention_ran_on")
        batch_op.drop_column("retention_days")

    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.alter_column(
            "strengths", existing_type=sa.Text(), type_=sa.VARCHAR(length=300), existing_nullable=False
        )

    op.drop_table("clock_routine")
