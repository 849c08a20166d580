"""Once a school day: remind each case's owner on its follow-up date, and ask the owner of a plan
whose review date has come whether its goal was met.

The pass runs once a day after `daily_hour`, behind a marker in `clock_routine`
(`schedules/routines.py`), so an idle tick costs one lookup; each alert is reminded once
(`AlertCase.follow_up_reminded_at`), each plan's review once per review date
(`CasePlan.review_prompted_on`), on its date or, when that is no school day, the next school day.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from handlers.delivery import enqueue
from handlers.early_warning import follow_ups_due
from handlers.plans import reviews_due
from models.db import Database
from schedules.routines import claim_day

if TYPE_CHECKING:
    from schedules.clock import ClockSettings

ROUTINE = "follow-ups"


def remind_follow_ups(db: Database, now: datetime, settings: ClockSettings) -> int:
    """Queue today's follow-up reminders and plan reviews once; returns how many."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    if local.hour < settings.daily_hour:
        return 0
    with db.transaction() as session:
        if not claim_day(session, ROUTINE, local.date()):
            return 0
        return sum(
            enqueue(session, school, notification, now=now) is not None
            for school, notification in [*follow_ups_due(session, now), *reviews_due(session, now)]
        )
