"""first installs and bound coordinators; the Grid org of a school

Only the first install of the app into a workspace (or a whole Enterprise Grid org) makes its
installer a coordinator, so the installs made before this migration are recorded as first
installs: installing again afterwards changes no roles. A school learns its Grid org from its
workspace installs here, and from every request after.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bound_coordinator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_bound_coordinator_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bound_coordinator")),
        sa.UniqueConstraint("platform", "user_id", name=op.f("uq_bound_coordinator_platform_user_id")),
    )
    first_install = op.create_table(
        "first_install",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("installed_into", sa.String(length=64), nullable=False),
        sa.Column("org_wide", sa.Boolean(), nullable=False),
        sa.Column("installer_user_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("installed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_first_install_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_first_install")),
        sa.UniqueConstraint(
            "platform", "installed_into", name=op.f("uq_first_install_platform_installed_into")
        ),
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=64), nullable=True))
    _record_earlier_installs(first_install)


def _record_earlier_installs(first_install: sa.Table) -> None:
    connection = op.get_bind()
    installs = sa.table(
        "slack_installations",
        sa.column("id", sa.Integer()),
        sa.column("enterprise_id", sa.String()),
        sa.column("team_id", sa.String()),
        sa.column("user_id", sa.String()),
        sa.column("is_enterprise_install", sa.Boolean()),
        sa.column("installed_at", sa.DateTime()),
    )
    school = sa.table(
        "school",
        sa.column("id", sa.Integer()),
        sa.column("platform", sa.String()),
        sa.column("workspace_id", sa.String()),
        sa.column("enterprise_id", sa.String()),
    )
    schools = dict(
        connection.execute(
            sa.select(school.c.workspace_id, school.c.id).where(school.c.platform == "slack")
        ).all()
    )
    first: dict[str, dict[str, object]] = {}
    for row in connection.execute(sa.select(installs).order_by(installs.c.installed_at, installs.c.id)):
        installed_into = row.enterprise_id if row.is_enterprise_install else row.team_id
        if not installed_into:
            continue
        if not row.is_enterprise_install and row.enterprise_id and row.team_id in schools:
            connection.execute(
                school.update()
                .where(school.c.id == schools[row.team_id])
                .values(enterprise_id=row.enterprise_id)
            )
        if installed_into in first:
            continue
        first[installed_into] = {
            "platform": "slack",
            "installed_into": installed_into,
            "org_wide": bool(row.is_enterprise_install),
            "installer_user_id": row.user_id,
            # An org-wide installer still becomes coordinator of the first school where they act.
            "school_id": None if row.is_enterprise_install else schools.get(installed_into),
            # slack_sdk stores naive UTC times.
            "installed_at": row.installed_at.replace(tzinfo=UTC),
        }
    if first:
        op.bulk_insert(first_install, list(first.values()))


def downgrade() -> None:
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("enterprise_id")
    op.drop_table("first_install")
    op.drop_table("bound_coordinator")
