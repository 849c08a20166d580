"""Retention: deleting what a school's deletion decision says is no longer to be kept.

Swedish public-records law decides when school records may go: only under the school provider's
deletion decision (gallringsbeslut). So deletion follows the period of a decision a coordinator
has recorded for the school, never an ad-hoc request, and where no decision is recorded nothing is
deleted. What goes: check-ins (with their notes), resolved cases, attendance registered for days
(with the questions whether guardians were told of them) and course signals (grades, F warnings)
dated before the period, audit events older than it, and students inactive for longer, with
everything about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.alert import AlertCase, AlertStatus
from models.attendance import GuardiansQuestion, RegisteredAttendance
from models.audit import AuditEvent
from models.checkin import CheckIn
from models.course import CourseSignal
from models.school import School
from models.student import Student

MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 20 * 365
DECISION_MAX = 200


@dataclass(frozen=True)
class RetentionReport:
    decided: bool = True  # False: no deletion decision is recorded, so nothing was deleted
    check_ins: int = 0
    alerts: int = 0
    students: int = 0
    audit_events: int = 0
    attendance_days: int = 0


def decided_days(school: School) -> int | None:
    """The period set by the school's recorded deletion decision; None when there is none."""
    if school.retention_decision and school.retention_days:
        return school.retention_days
    return None


def apply_retention(session: Session, school: School, now: datetime) -> RetentionReport:
    school.retention_ran_on = now.date()
    days = decided_days(school)
    if days is None:
        return RetentionReport(decided=False)
    cutoff = now - timedelta(days=days)
    students = select(Student.id).where(Student.school_id == school.id)
    gone_students = list(
        session.scalars(
            select(Student.id).where(
                Student.school_id == school.id, Student.active.is_(False), Student.deactivated_at < cutoff
            )
        )
    )
    check_ins = session.execute(
        delete(CheckIn).where(CheckIn.student_id.in_(students), CheckIn.recorded_at < cutoff)
    ).rowcount
    # A resolved case goes whole, with the rules it held (the foreign key cascades).
    alerts = session.execute(
        delete(AlertCase).where(
            AlertCase.student_id.in_(students),
            AlertCase.status == AlertStatus.RESOLVED,
            AlertCase.updated_at < cutoff,
        )
    ).rowcount
    if gone_students:
        # Everything about them goes too (the foreign keys cascade).
        session.execute(delete(Student).where(Student.id.in_(gone_students)))
    audit_events = session.execute(
        delete(AuditEvent).where(AuditEvent.school_id == school.id, AuditEvent.at < cutoff)
    ).rowcount
    attendance_days = session.execute(
        delete(RegisteredAttendance).where(
            RegisteredAttendance.student_id.in_(students), RegisteredAttendance.day < cutoff.date()
        )
    ).rowcount
    session.execute(
        delete(CourseSignal).where(CourseSignal.student_id.in_(students), CourseSignal.day < cutoff.date())
    )
    session.execute(
        delete(GuardiansQuestion).where(
            GuardiansQuestion.student_id.in_(students), GuardiansQuestion.day < cutoff.date()
        )
    )
    return RetentionReport(True, check_ins, alerts, len(gone_students), audit_events, attendance_days)
