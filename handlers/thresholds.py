"""A school's early-warning thresholds: show them with their meaning, and change one (audited)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers.access import require_role
from handlers.results import Outcome, ThresholdList, ThresholdRow
from models import Member, Role
from models.audit import record
from models.messages import N_, msg
from models.rules import PARAMETERS, PARAMETERS_BY_NAME, parse_threshold, thresholds_for


def show_thresholds(session: Session, actor: Member, now: datetime) -> Outcome:
    require_role(actor, Role.COORDINATOR, Role.EHT)
    values = thresholds_for(actor.school.thresholds)
    return Outcome(
        reply=[
            ThresholdList(
                [
                    ThresholdRow(p.name, values[p.name], p.default, p.low, p.high, msg(p.meaning))
                    for p in PARAMETERS
                ]
            )
        ]
    )


def set_threshold(session: Session, actor: Member, now: datetime, name: str, value: str) -> Outcome:
    """Change one threshold; a wrong name or value is refused with the allowed ones."""
    require_role(actor, Role.COORDINATOR, Role.EHT)
    key, number = parse_threshold(name, value)
    school = actor.school
    previous = thresholds_for(school.thresholds)[key]
    # A new dict, so SQLAlchemy sees the JSON column change.
    overrides = {k: v for k, v in (school.thresholds or {}).items() if k in PARAMETERS_BY_NAME}
    overrides[key] = number
    school.thresholds = overrides
    record(session, actor, actor.school_id, "school.threshold", "school", school.id, now)
    return Outcome.say(
        msg(
            N_("{name} is now {value} (was {previous}). {meaning}"),
            name=msg(key),
            value=number,
            previous=previous,
            meaning=msg(PARAMETERS_BY_NAME[key].meaning),
        )
    )
