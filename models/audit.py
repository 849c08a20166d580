"""The audit trail: who did what to which object, and when — never the content itself."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from typing import TextIO

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.alert import Alert, AlertCase
from models.base import Base, UTCDateTime
from models.checkin import CheckIn
from models.db import Database
from models.mentorship import Mentorship
from models.people import Member
from models.school import School
from models.student import Student


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_school_at", "school_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    # None for the system itself (the clock, retention).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


def record(
    session: Session,
    actor: Member | None,
    school_id: int,
    action: str,
    object_type: str,
    object_id: object,
    at: datetime,
) -> None:
    session.add(
        AuditEvent(
            at=at,
            school_id=school_id,
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
        )
    )


CSV_COLUMNS = ("at", "school", "actor", "action", "student", "object_type", "object_id")
# The audited objects that are about one student: object type -> (model, its student id column).
_STUDENT_OF = {
    "check_in": (CheckIn, CheckIn.student_id),
    "mentorship": (Mentorship, Mentorship.student_id),
    "alert": (Alert, Alert.student_id),
    "case": (AlertCase, AlertCase.student_id),
}
_BATCH = 500


def export_csv(db: Database, first_day: date, last_day: date, out: TextIO) -> int:
    """Write the audit events of the period (UTC dates, inclusive) as CSV; returns how many.

    Students are named by their pseudonymous code, as people know them, never by an internal id.
    """
    start = datetime.combine(first_day, time(), tzinfo=UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=UTC)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    with db.transaction() as session:
        rows = session.execute(
            select(AuditEvent, School.platform, School.workspace_id, Member.user_id)
            .join(School, School.id == AuditEvent.school_id)
            .outerjoin(Member, Member.id == AuditEvent.actor_id)
            .where(AuditEvent.at >= start, AuditEvent.at < end)
            .order_by(AuditEvent.at, AuditEvent.id)
        ).all()
        codes = _student_codes(session, [event for event, *_ in rows])
        for event, platform, workspace, actor in rows:
            code = codes.get((event.object_type, event.object_id), "")
            writer.writerow(
                (
                    event.at.isoformat(),
                    f"{platform}:{workspace}",
                    actor or "system",
                    event.action,
                    code,
                    event.object_type,
                    code if event.object_type == "student" else event.object_id,
                )
            )
    return len(rows)


def _student_codes(session: Session, events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """(object type, object id) -> the code of the student the object is about."""
    codes: dict[tuple[str, str], str] = {}
    for object_type in ("student", *_STUDENT_OF):
        ids = sorted(
            {int(e.object_id) for e in events if e.object_type == object_type and e.object_id.isdigit()}
        )
        for first in range(0, len(ids), _BATCH):
            batch = ids[first : first + _BATCH]
            if object_type == "student":
                query = select(Student.id, Student.code).where(Student.id.in_(batch))
            else:
                model, student_id = _STUDENT_OF[object_type]
                query = (
                    select(model.id, Student.code)
                    .join(Student, Student.id == student_id)
                    .where(model.id.in_(batch))
                )
            codes.update(((object_type, str(object_id)), code) for object_id, code in session.execute(query))
    return codes
