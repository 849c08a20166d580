"""A case made directly in the database, for the report and programme tests' hand-computed data:
one student's case with the one rule it was raised for, at the moments given; and the school the
early-warning tests raise cases in."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from models import Alert, AlertCase, AlertStatus, Student
from tests.driver import Driver


def eht_school(bot: Driver) -> Driver:
    """Student 7B-03 (grade 7, 7B) mentored by anna, erik in the EHT, and an EHT channel #eht."""
    bot.say("admin", "student add 7B-03 Alex grade=7 class=7B")
    bot.say("admin", "assign 7B-03 @anna")
    bot.say("admin", "role add @erik eht")
    bot.say("admin", "eht #eht")
    return bot


def add_case(
    session: Session,
    student: Student,
    rule: str,
    opened: datetime,
    acknowledged: datetime | None = None,
    resolved: datetime | None = None,
    outcome: str | None = None,
    follow_up_on: date | None = None,
) -> None:
    if resolved is not None:
        status = AlertStatus.RESOLVED
    else:
        status = AlertStatus.ACKNOWLEDGED if acknowledged else AlertStatus.OPEN
    case = AlertCase(
        student=student,
        status=status,
        opened_at=opened,
        updated_at=resolved or acknowledged or opened,
        raised_at=opened,
        acknowledged_at=acknowledged,
        resolved_at=resolved,
        outcome=outcome,
        follow_up_on=follow_up_on,
    )
    session.add(case)
    session.add(
        Alert(
            case=case,
            student=student,
            rule=rule,
            evidence={"trend": "▅▃▁"},
            opened_at=opened,
            updated_at=opened,
        )
    )
