"""At the start of each school day: ask mentors whether the guardians were told about the unexcused
absence the school's system registered (Skollagen 7 kap. 17 §, `handlers/guardians.py`).

No day marker: the import writes each question once, and a question asked is marked in the same
transaction that queues it, under a dedupe key, so several workers or a restart never ask twice. A
question that must wait for the next school day is given that moment (`send_from`), and the idle
tick's one lookup (`schedules/waiting.py`) skips it until then.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from handlers.delivery import enqueue
from handlers.guardians import question_key, questions_due
from models.db import Database

if TYPE_CHECKING:
    from schedules.clock import ClockSettings


def ask_guardians_told(db: Database, now: datetime, settings: ClockSettings) -> int:
    """Queue the questions due now, from the school day's start (`daily_hour`); returns how many."""
    with db.transaction() as session:
        return sum(
            enqueue(session, school, notification, dedupe_key=question_key(question_id), now=now) is not None
            for school, question_id, notification in questions_due(session, now, settings.daily_hour)
        )
