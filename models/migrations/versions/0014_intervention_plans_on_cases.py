"""intervention plans on cases: kind, encrypted goal, people responsible, review date

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("review_prompted_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["alert_case.id"], name=op.f("fk_case_plan_case_id_alert_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["member.id"],
            name=op.f("fk_case_plan_created_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_plan")),
    )
    with op.batch_alter_table("case_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_plan_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "uq_case_plan_one_in_force_per_case",
            ["case_id"],
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )
    op.create_table(
        "case_plan_responsible",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["case_plan.id"],
            name=op.f("fk_case_plan_responsible_plan_id_case_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_case_plan_responsible_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "member_id", name=op.f("pk_case_plan_responsible")),
    )


def downgrade() -> None:
    op.drop_table("case_plan_responsible")
    with op.batch_alter_table("case_plan", schema=None) as batch_op:
        batch_op.drop_index("uq_case_plan_one_in_force_per_case")
        batch_op.drop_index(batch_op.f("ix_case_plan_case_id"))
    op.drop_table("case_plan")
