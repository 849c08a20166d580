"""Retention: deleting what a school's records plan says is no longer to be kept.

Swedish public-records law decides when school records may go, so deletion follows a configured
period per school, never an ad-hoc request. What goes: check-ins (with their notes), resolved
alerts and audit events older than the period, and students inactive for longer, with everything
about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.alert import Alert, AlertStatus
from models.audit import AuditEvent
from models.checkin import CheckIn
from models.school import School
from models.student import Student

DEFAULT_RETENTION_DAYS = 3 * 365
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 20 * 365


@dataclass(frozen=True)
class RetentionReport:
    check_ins: int = 0
    alerts: int = 0
    students: int = 0
    audit_events: int = 0


def apply_retention(session: Session, school: School, now: datetime, default_days: int) -> RetentionReport:
    cutoff = now - timedelta(days=school.retention_days or default_days)
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
    alerts = session.execute(
        delete(Alert).where(
            Alert.student_id.in_(students), Alert.status == AlertStatus.RESOLVED, Alert.updated_at < cutoff
        )
    ).rowcount
    if gone_students:
        # Everything about them goes too (the foreign keys cascade).
        session.execute(delete(Student).where(Student.id.in_(gone_students)))
    audit_events = session.execute(
        delete(AuditEvent).where(AuditEvent.school_id == school.id, AuditEvent.at < cutoff)
    ).rowcount
    school.retention_ran_on = now.date()
    return RetentionReport(check_ins, alerts, len(gone_students), audit_events)
