"""organisations hold schools; people across an organisation's schools

Each existing workspace becomes one organisation with its one school (nothing is lost: the school
keeps its id and every row that refers to it), and everyone who has a member row becomes a person
of that organisation, acting in that school.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("platform", "workspace_id", name=op.f("uq_organisation_platform_workspace_id")),
    )
    op.execute(
        "INSERT INTO organisation (platform, workspace_id, name, created_at) "
        "SELECT platform, workspace_id, '', MIN(created_at) FROM school GROUP BY platform, workspace_id "
        "ORDER BY MIN(id)"
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE school SET organisation_id = (SELECT organisation.id FROM organisation "
        "WHERE organisation.platform = school.platform AND organisation.workspace_id = school.workspace_id)"
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_school_platform_workspace_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_school_organisation_id_name"), ["organisation_id", "name"]
        )
        batch_op.create_index(batch_op.f("ix_school_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_school_organisation_id_organisation"),
            "organisation",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("current_school_id", sa.Integer(), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["current_school_id"],
            ["school.id"],
            name=op.f("fk_person_current_school_id_school"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_person_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("organisation_id", "user_id", name=op.f("uq_person_organisation_id_user_id")),
    )
    # Until now a workspace had one school: each member is a person of its organisation, acting there.
    op.execute(
        "INSERT INTO person (organisation_id, user_id, current_school_id, is_admin, created_at) "
        "SELECT school.organisation_id, member.user_id, member.school_id, false, member.created_at "
        "FROM member JOIN school ON school.id = member.school_id"
    )


def downgrade() -> None:
    op.drop_table("person")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_school_organisation_id_organisation"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_school_workspace_id"))
        batch_op.drop_constraint(batch_op.f("uq_school_organisation_id_name"), type_="unique")
        batch_op.create_unique_constraint("uq_school_platform_workspace_id", ["platform", "workspace_id"])
        batch_op.drop_column("organisation_id")
    op.drop_table("organisation")
