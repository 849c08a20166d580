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
from models import (
    AlertCase,
    AuditEvent,
    CheckIn,
    CourseSignal,
    GuardiansQuestion,
    Member,
    Mentorship,
    RegisteredAttendance,
    Role,
    School,
)
from models.audit import record
from models.messages import N_, Message, Refused, msg
from models.personnummer import contains_personnummer
from models.retention import DECISION_MAX, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, decided_days


def set_retention(
    session: Session, actor: Member, now: datetime, days: str | None = None, decision: str = ""
) -> Outcome:
    """Show the school's retention, or record the deletion decision (gallringsbeslut) and its period."""
    require_role(actor, Role.COORDINATOR)
    school = actor.school
    if days is not None:
        school.retention_days = _retention_days(days)
        school.retention_decision = _decision_reference(decision)
        record(session, actor, actor.school_id, "school.retention", "school", actor.school_id, now)
    return Outcome.say(retention_in_words(school))


def _retention_days(days: str) -> int:
    if not days.isdigit() or not MIN_RETENTION_DAYS <= int(days) <= MAX_RETENTION_DAYS:
        raise Refused(
            N_("Give the retention period in days, from {low} to {high}."),
            usage="retention set",
            low=MIN_RETENTION_DAYS,
            high=MAX_RETENTION_DAYS,
        )
    return int(days)


def _decision_reference(decision: str) -> str:
    reference = " ".join(decision.split())
    if not reference:
        raise Refused(
            N_(
                "Name the deletion decision (gallringsbeslut) that sets the period, e.g. its number and date."
            ),
            usage="retention set",
        )
    if contains_personnummer(reference):
        raise Refused(N_("The reference must not contain a personal identity number."), usage="retention set")
    if len(reference) > DECISION_MAX:
        raise Refused(
            N_("Keep the reference to the decision short: at most {max} characters."), max=DECISION_MAX
        )
    return reference


def retention_in_words(school: School) -> Message:
    days = decided_days(school)
    if days is None:
        return msg(
            N_(
                "No deletion decision (gallringsbeslut) is recorded, so nothing is deleted. A coordinator "
                "records it with: retention set DAYS DECISION, e.g. retention set 1095 IHP 2024:3 2024-05-14"
            )
        )
    return msg(
        N_(
            "Check-ins, resolved alerts and audit events are kept {days} days, then deleted, "
            "under the deletion decision {decision}."
        ),
        days=days,
        decision=school.retention_decision,
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
    cases = session.scalars(
        select(AlertCase)
        .where(AlertCase.student_id == student.id)
        .order_by(AlertCase.opened_at, AlertCase.id)
    ).all()
    registered = session.scalars(
        select(RegisteredAttendance)
        .where(RegisteredAttendance.student_id == student.id)
        .order_by(RegisteredAttendance.day, RegisteredAttendance.source)
    ).all()
    courses = session.scalars(
        select(CourseSignal)
        .where(CourseSignal.student_id == student.id)
        .order_by(CourseSignal.day, CourseSignal.subject, CourseSignal.source)
    ).all()
    audit = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.school_id == actor.school_id, AuditEvent.object_type == "student")
        .where(AuditEvent.object_id == str(student.id))
        .order_by(AuditEvent.at)
    ).all()
    data = {
        "student": _row(
            student, ("code", "display_name", "grade", "class_name", "person_id", "active", "created_at")
        ),
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
                        "withdrawn_at",
                    ),
                ),
            }
            for c in check_ins
        ],
        "cases": [
            {
                **_row(
                    c,
                    (
                        "status",
                        "risk",
                        "opened_at",
                        "resolved_at",
                        "outcome",
                        "follow_up_on",
                        "investigation_started",
                    ),
                ),
                "owner": c.owner.user_id if c.owner else None,
                "plans": [
                    {
                        **_row(p, ("kind", "goal", "review_on", "created_at", "closed_at", "result")),
                        "responsible": [member.user_id for member in p.responsible],
                    }
                    for p in c.plans
                ],
                "alerts": [
                    _row(a, ("rule", "evidence", "opened_at", "updated_at", "cleared_at", "withdrawn_at"))
                    for a in c.alerts
                ],
            }
            for c in cases
        ],
        "registered_attendance": [
            _row(
                r,
                (
                    "day",
                    "offered_minutes",
                    "absent_minutes",
                    "unexcused_minutes",
                    "late_arrivals",
                    "full_day",
                    "source",
                    "imported_at",
                ),
            )
            for r in registered
        ],
        "course_signals": [_row(c, ("subject", "kind", "day", "source", "imported_at")) for c in courses],
        # Skollagen 7 kap. 17 §: were the guardians told of each day's unexcused absence?
        "guardians_told": [
            {
                **_row(q, ("day", "source", "asked_at", "told", "answered_at")),
                "answered_by": q.answered_by.user_id if q.answered_by else None,
            }
            for q in session.scalars(
                select(GuardiansQuestion)
                .where(GuardiansQuestion.student_id == student.id)
                .order_by(GuardiansQuestion.day)
            )
        ],
        "audit": [_row(e, ("at", "action")) for e in audit],
        # How long this is kept, and under which deletion decision (none: nothing is deleted).
        "retention": {
            "days": decided_days(actor.school),
            "deletion_decision": actor.school.retention_decision,
        },
    }
    record(session, actor, actor.school_id, "student.export", "student", student.id, now)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Outcome(reply=[StudentExport(student.code, text)])
