"""an index on mentorship.student_id: a school's digest and App Home join mentorships on the student

Without it PostgreSQL scans every mentorship of the installation to find one school's 30 (the
partial unique index covers active mentorships only), so a digest cost what the database holds.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_mentorship_student_id", "mentorship", ["student_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mentorship_student_id", table_name="mentorship")
