"""retention follows a recorded deletion decision (gallringsbeslut)

Existing schools get no decision, so nothing of theirs is deleted until a coordinator records one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("school") as batch_op:
        batch_op.add_column(sa.Column("retention_decision", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("school") as batch_op:
        batch_op.drop_column("retention_decision")
