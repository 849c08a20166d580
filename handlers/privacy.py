"""Data protection use cases: a school's retention period and a full export of one student's data."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import require_role
from handlers.lookups import find_student
from handlers.results import Outcome, StudentExport
from models import Alert, AuditEvent, CheckIn, Member, Mentorship, Role
from models.audit import record
from models.messages import N_, Refused, msg
from models.retention import DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS


def set_retention(session: Session, actor: Member, now: datetime, days: str | None) -> Outcome:
    require_role(actor, Role.COORDINATOR)
    if days is not None:
        if not days.isdigit() or not MIN_RETENTION_DAYS <= int(days) <= MAX_RETENTION_DAYS:
            raise Refused(
                N_("Give the retention period in days, from {low} to {high}."),
                usage="retention",
                low=MIN_RETENTION_DAYS,
                high=MAX_RETENTION_DAYS,
            )
        actor.school.retention_days = int(days)
        record(session, actor, actor.school_id, "school.retention", "school", actor.school_id, now)
    return Outcome.say(
        msg(
            N_("Check-ins, resolved alerts and audit events are kept {days} days, then deleted."),
            days=actor.school.retention_days or DEFAULT_RETENTION_DAYS,
        )
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _row(obj: object, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _iso(getattr(obj, name)) for name in fields}


def export_student(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    """Everything stored about one student, for a subject access request. Audited as a read."""
    require_role(actor, Role.COORDINATOR)
    student = find_student(session, actor.school_id, code, include_inactive=True)
    mentorships = session.scalars(select(Mentorship).where(Mentorship.student_id == student.id)).all()
    check_ins = session.scalars(
        select(CheckIn).where(CheckIn.student_id == student.id).order_by(CheckIn.recorded_at)
    ).all()
    alerts = session.scalars(
        select(Alert).where(Alert.student_id == student.id).order_by(Alert.opened_at)
    ).all()
    audit = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.school_id == actor.school_id, AuditEvent.object_type == "student")
        .where(AuditEvent.object_id == str(student.id))
        .order_by(AuditEvent.at)
    ).all()
    data = {
        "student": _row(student, ("code", "display_name", "grade", "class_name", "active", "created_at")),
        "mentorships": [
            {"mentor": m.mentor.user_id, **_row(m, ("cadence", "next_due_at", "started_at", "ended_at"))}
            for m in mentorships
        ],
        "check_ins": [
            {
                "author": c.author.user_id if c.author else None,
                **_row(
                    c,
                    (
                        "recorded_at",
                        "kind",
                        "met",
                        "absent_days",
                        "absent_lessons",
                        "unexcused_days",
                        "unexcused_lessons",
                        "late_arrivals",
                        "behavioural",
                        "academic",
                        "cognitive",
                        "affective",
                        "strengths",
                        "concern",
                        "concern_domain",
                        "note",
                    ),
                ),
            }
            for c in check_ins
        ],
        "alerts": [
            _row(a, ("rule", "status", "evidence", "opened_at", "resolved_at", "outcome", "follow_up_on"))
            for a in alerts
        ],
        "audit": [_row(e, ("at", "action")) for e in audit],
    }
    record(session, actor, actor.school_id, "student.export", "student", student.id, now)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Outcome(reply=[StudentExport(student.code, text)])
