"""Student health team use cases on early-warning alerts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import require_role
from handlers.results import AlertList, AlertRow, Outcome
from models import Alert, AlertStatus, Member, Role, Student


def open_alerts(session: Session, actor: Member) -> Outcome:
    require_role(actor, Role.EHT, Role.COORDINATOR)
    rows = session.execute(
        select(Alert, Student.code)
        .join(Student)
        .where(Student.school_id == actor.school_id, Alert.status != AlertStatus.RESOLVED)
        .order_by(Alert.opened_at)
    ).all()
    return Outcome(
        reply=[
            AlertList(
                actor.school.timezone,
                [AlertRow(code, alert.rule, alert.status.value, alert.opened_at) for alert, code in rows],
            )
        ]
    )
