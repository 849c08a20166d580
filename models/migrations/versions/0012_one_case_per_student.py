"""one case per student: every rule a student crosses in one case, with a risk level and re-raise bookkeeping

Every alert is kept, as a rule crossed within a case. A student's unresolved alerts become one open
case (the most advanced status of them; the first acknowledgement; the latest owner and
investigation answer); each resolved alert becomes a resolved case of its own, with its outcome
and follow-up. A case takes the id of its newest alert and that alert's card (the one the channel
saw last, updated in place from now on); new cases are numbered after every alert there was, so a
button on an old alert card can never act on another student's case. Alert cards and summaries
still waiting in the outbox in the old shape are marked failed (the case's card replaces them).
Per-alert steps before the upgrade remain in the audit log.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = sa.Enum(
    "open", "acknowledged", "owned", "resolved", name="alertstatus", native_enum=False, length=16
)
RISK = sa.Enum("watch", "at_risk", "urgent", name="risklevel", native_enum=False, length=16)
TIME = models.base.UTCDateTime(timezone=True)
# The columns that move from each alert to its case.
MOVED = (
    ("status", STATUS, False),
    ("raised_at", TIME, False),
    ("acknowledged_by_id", sa.Integer(), True),
    ("acknowledged_at", TIME, True),
    ("owner_id", sa.Integer(), True),
    ("resolved_by_id", sa.Integer(), True),
    ("resolved_at", TIME, True),
    ("outcome", sa.String(length=32), True),
    ("follow_up_on", sa.Date(), True),
    ("follow_up_reminded_at", TIME, True),
    ("investigation_started", sa.Boolean(), True),
    ("investigation_recorded_at", TIME, True),
    ("message_ref", sa.String(length=64), True),
)
MEMBER_COLUMNS = ("acknowledged_by_id", "owner_id", "resolved_by_id")
STEPS = ("open", "acknowledged", "owned")
# The risk rules as they were when cases came (models/risk.py with the default thresholds).
AT_RISK_RULES = {"attendance", "absent_days", "skipped_lessons", "concern", "no_contact"}
URGENT_ATTENDANCE = 80
AT_RISK_COUNT = 3


def upgrade() -> None:
    op.create_table(
        "alert_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("risk", RISK, nullable=False),
        sa.Column("opened_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("raised_at", TIME, nullable=True),
        sa.Column("reraised_at", TIME, nullable=True),
        sa.Column("escalated_at", TIME, nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", TIME, nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", TIME, nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("follow_up_reminded_at", TIME, nullable=True),
        sa.Column("investigation_started", sa.Boolean(), nullable=True),
        sa.Column("investigation_recorded_at", TIME, nullable=True),
        sa.Column("message_ref", sa.String(length=64), nullable=True),
        *(
            sa.ForeignKeyConstraint(
                [column], ["member.id"], name=op.f(f"fk_alert_case_{column}_member"), ondelete="SET NULL"
            )
            for column in MEMBER_COLUMNS
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_alert_case_student_id_student"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_case")),
    )
    with op.batch_alter_table("alert_case", schema=None) as batch_op:
        batch_op.create_index(
            "uq_alert_case_one_unresolved_per_student",
            ["student_id"],
            unique=True,
            sqlite_where=sa.text("status != 'resolved'"),
            postgresql_where=sa.text("status != 'resolved'"),
        )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cleared_at", TIME, nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", TIME, nullable=True))

    bind = op.get_bind()
    _group_alerts_into_cases(bind)
    _fail_unsent_alert_cards(bind)

    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("uq_alert_one_unresolved_per_rule")
        for column in MEMBER_COLUMNS:
            batch_op.drop_constraint(op.f(f"fk_alert_{column}_member"), type_="foreignkey")
        for column, _type, _nullable in MOVED:
            batch_op.drop_column(column)
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_alert_case_id"), ["case_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_alert_case_id_rule"), ["case_id", "rule"])
        batch_op.create_foreign_key(
            batch_op.f("fk_alert_case_id_alert_case"), "alert_case", ["case_id"], ["id"], ondelete="CASCADE"
        )
    if bind.dialect.name == "postgresql":
        # New cases are numbered after every alert there was (SQLite does so by itself: max id + 1).
        op.execute(
            "SELECT setval(pg_get_serial_sequence('alert_case', 'id'), GREATEST("
            "(SELECT COALESCE(MAX(id), 0) FROM alert), "
            "(SELECT COALESCE(MAX(id), 0) FROM alert_case)) + 1, false)"
        )


def _old_alert_table() -> sa.TableClause:
    return sa.table(
        "alert",
        sa.column("id", sa.Integer()),
        sa.column("student_id", sa.Integer()),
        sa.column("rule", sa.String()),
        sa.column("evidence", sa.JSON()),
        sa.column("opened_at", TIME),
        sa.column("updated_at", TIME),
        sa.column("case_id", sa.Integer()),
        sa.column("withdrawn_at", TIME),
        *(sa.column(name, type_) for name, type_, _nullable in MOVED),
    )


def _case_table() -> sa.TableClause:
    return sa.table(
        "alert_case",
        *(
            sa.column(name, type_)
            for name, type_ in (
                ("id", sa.Integer()),
                ("student_id", sa.Integer()),
                ("risk", sa.String()),
                ("opened_at", TIME),
                ("updated_at", TIME),
                ("reraised_at", TIME),
                ("escalated_at", TIME),
                *((name, type_) for name, type_, _nullable in MOVED),
            )
        ),
    )


def _group_alerts_into_cases(bind: sa.engine.Connection) -> None:
    alert, case = _old_alert_table(), _case_table()
    groups: list[list[Mapping[str, Any]]] = []
    unresolved: dict[int, list[Mapping[str, Any]]] = {}
    for row in bind.execute(sa.select(alert).order_by(alert.c.id)).mappings():
        if row["status"] == "resolved":
            groups.append([row])
        else:
            unresolved.setdefault(row["student_id"], []).append(row)
    groups += unresolved.values()
    for group in groups:
        values = _case_of(group)
        bind.execute(case.insert().values(**values))
        bind.execute(
            alert.update().where(alert.c.id.in_([row["id"] for row in group])).values(case_id=values["id"])
        )
        withdrawn = [row["id"] for row in group if row["outcome"] == "withdrawn"]
        if withdrawn:
            bind.execute(
                alert.update().where(alert.c.id.in_(withdrawn)).values(withdrawn_at=values["resolved_at"])
            )


def _case_of(group: list[Mapping[str, Any]]) -> dict[str, Any]:
    """One case from a student's unresolved alerts, or from one resolved alert."""
    newest = max(group, key=lambda row: row["id"])
    acknowledged = min(
        (row for row in group if row["acknowledged_at"] is not None),
        key=lambda row: row["acknowledged_at"],
        default=None,
    )
    owned = max(
        (row for row in group if row["owner_id"] is not None), key=lambda row: row["updated_at"], default=None
    )
    answered = max(
        (row for row in group if row["investigation_recorded_at"] is not None),
        key=lambda row: row["investigation_recorded_at"],
        default=None,
    )
    reraised = [row["raised_at"] for row in group if row["raised_at"] > row["opened_at"]]
    resolved = newest["status"] == "resolved"
    return {
        "id": newest["id"],
        "student_id": newest["student_id"],
        "status": "resolved" if resolved else max((row["status"] for row in group), key=STEPS.index),
        "risk": _risk(group),
        "opened_at": min(row["opened_at"] for row in group),
        "updated_at": max(row["updated_at"] for row in group),
        "raised_at": min(row["opened_at"] for row in group),
        "reraised_at": max(reraised) if reraised else None,
        "escalated_at": None,
        "acknowledged_by_id": acknowledged["acknowledged_by_id"] if acknowledged else None,
        "acknowledged_at": acknowledged["acknowledged_at"] if acknowledged else None,
        "owner_id": owned["owner_id"] if owned else None,
        "resolved_by_id": newest["resolved_by_id"] if resolved else None,
        "resolved_at": newest["resolved_at"] if resolved else None,
        "outcome": newest["outcome"] if resolved else None,
        "follow_up_on": newest["follow_up_on"] if resolved else None,
        "follow_up_reminded_at": newest["follow_up_reminded_at"] if resolved else None,
        "investigation_started": answered["investigation_started"] if answered else None,
        "investigation_recorded_at": answered["investigation_recorded_at"] if answered else None,
        "message_ref": newest["message_ref"]
        or next((row["message_ref"] for row in reversed(group) if row["message_ref"]), None),
    }


def _risk(group: list[Mapping[str, Any]]) -> str:
    crossed = [row for row in group if row["outcome"] != "withdrawn"] or group
    for row in crossed:
        evidence = row["evidence"] or {}
        if row["rule"] == "concern" and evidence.get("domain") == "home":
            return "urgent"
        if row["rule"] == "attendance" and float(evidence.get("percent", 100)) < URGENT_ATTENDANCE:
            return "urgent"
    if len(crossed) >= AT_RISK_COUNT or any(row["rule"] in AT_RISK_RULES for row in crossed):
        return "at_risk"
    return "watch"


def _fail_unsent_alert_cards(bind: sa.engine.Connection) -> None:
    outbox = sa.table(
        "outbox_message",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("content", sa.JSON()),
    )
    waiting = bind.execute(
        sa.select(outbox.c.id, outbox.c.content).where(outbox.c.status.in_(["pending", "sending"]))
    ).all()
    old = [
        outbox_id
        for outbox_id, content in waiting
        if isinstance(content, dict) and content.get("type") in ("AlertNotice", "AlertSummary")
    ]
    if old:
        bind.execute(outbox.update().where(outbox.c.id.in_(old)).values(status="failed"))


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        for column, type_, _nullable in MOVED:
            batch_op.add_column(sa.Column(column, type_, nullable=True))
    # Every alert takes its case's state; one withdrawn from an open case is resolved as withdrawn.
    copied = ", ".join(
        f"{column} = (SELECT c.{column} FROM alert_case c WHERE c.id = alert.case_id)"
        for column, _type, _nullable in MOVED
        if column != "raised_at"
    )
    op.execute(f"UPDATE alert SET {copied}")
    op.execute(
        "UPDATE alert SET raised_at = (SELECT COALESCE(c.reraised_at, c.raised_at, alert.opened_at)"
        " FROM alert_case c WHERE c.id = alert.case_id)"
    )
    op.execute(
        "UPDATE alert SET status = 'resolved', outcome = 'withdrawn', "
        "resolved_at = COALESCE(resolved_at, withdrawn_at) WHERE withdrawn_at IS NOT NULL"
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_case_id_alert_case"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_alert_case_id_rule"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_alert_case_id"))
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("cleared_at")
        batch_op.drop_column("case_id")
        batch_op.alter_column("status", existing_type=STATUS, nullable=False)
        batch_op.alter_column("raised_at", existing_type=TIME, nullable=False)
        for column in MEMBER_COLUMNS:
            batch_op.create_foreign_key(
                batch_op.f(f"fk_alert_{column}_member"), "member", [column], ["id"], ondelete="SET NULL"
            )
        batch_op.create_index(
            "uq_alert_one_unresolved_per_rule",
            ["student_id", "rule"],
            unique=True,
            sqlite_where=sa.text("status != 'resolved'"),
            postgresql_where=sa.text("status != 'resolved'"),
        )
    with op.batch_alter_table("alert_case", schema=None) as batch_op:
        batch_op.drop_index("uq_alert_case_one_unresolved_per_student")
    op.drop_table("alert_case")
