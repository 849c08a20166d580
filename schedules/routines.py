"""Markers for work done once per day or week: a row per (routine, day) in `clock_routine`.

They also keep the idle tick cheap: a tick first asks "has this run already?" with one lookup on
the unique (routine, ran_on) index, instead of walking every school to find out.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import ClockRoutine


def has_run(session: Session, routine: str, day: date) -> bool:
    found = session.scalar(
        select(ClockRoutine.id).where(ClockRoutine.routine == routine, ClockRoutine.ran_on == day)
    )
    return found is not None


def claim_day(session: Session, routine: str, day: date) -> bool:
    """Record that `routine` runs for `day`; False when it already has (another worker, an earlier tick)."""
    if has_run(session, routine, day):
        # A plain read first: the insert below would take a sequence number on every idle tick.
        return False
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(ClockRoutine.__table__)
        .values(routine=routine, ran_on=day)
        .on_conflict_do_nothing(index_elements=["routine", "ran_on"])
        .returning(ClockRoutine.__table__.c.id)
    )
    return session.execute(statement).scalar() is not None
