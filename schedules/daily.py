"""Once a day: the time-based early-warning rules and re-raising alerts nobody acknowledged.

A row per (routine, day) in `clock_routine` is inserted before the work, in the same transaction,
so the run happens once a day however many workers tick (`schedules/routines.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from handlers.delivery import enqueue
from handlers.early_warning import evaluate_all, reraise_due
from models import School
from models.db import Database
from schedules.routines import claim_day

if TYPE_CHECKING:
    from schedules.clock import ClockSettings

ROUTINE = "early-warning"


def run_daily_early_warning(db: Database, now: datetime, settings: ClockSettings) -> int:
    """Run once per day after `daily_hour`; returns how many alert messages were queued."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    if local.hour < settings.daily_hour:
        return 0
    with db.transaction() as session:
        if not claim_day(session, ROUTINE, local.date()):
            return 0
        queued = 0
        for destination, notification in [*evaluate_all(session, now), *reraise_due(session, now)]:
            school = session.get_one(School, destination.school_id)
            queued += enqueue(session, school, notification, now=now) is not None
        return queued
