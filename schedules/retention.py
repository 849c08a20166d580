"""Daily retention: each school's deletion decision applied once a day by the clock; a school
with no decision recorded keeps everything, and the log says so.

The same daily run forgets the double-delivery keys (`models/handled.py`), which belong to no
school and are kept for days, not for a records-plan period.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from models import School
from models.db import Database
from models.handled import forget_handled
from models.retention import RetentionReport, apply_retention
from schedules.routines import claim_day, has_run

ROUTINE = "retention"

log = logging.getLogger("mentorbot.retention")


def run_retention(
    db: Database, now: datetime, force: bool = False
) -> Iterator[tuple[str, RetentionReport]]:
    """Apply retention to every school not yet done today (all of them with `force`), and forget
    double-delivery keys older than a week.

    Once every school is done, a marker for the day means later ticks that day look no further:
    without it each tick would read the whole school table to find that nothing is left.
    """
    with db.transaction() as session:
        if not force and has_run(session, ROUTINE, now.date()):
            return
        due = select(School.id)
        if not force:
            due = due.where((School.retention_ran_on.is_(None)) | (School.retention_ran_on != now.date()))
        school_ids = list(session.scalars(due))
    if school_ids:  # the first tick of the day (or a forced run)
        with db.transaction() as session:
            forgotten = forget_handled(session, now)
        if forgotten:
            log.info("forgot %s handled-request key(s) older than a week", forgotten)
    complete = True
    for school_id in school_ids:
        with db.transaction() as session:
            school = session.scalars(
                select(School).where(School.id == school_id).with_for_update(skip_locked=True)
            ).first()
            if school is None:
                complete = False  # another worker holds it (or it is gone): not ours to call done
                continue
            if not force and school.retention_ran_on == now.date():
                continue
            label = f"{school.platform}:{school.workspace_id}"
            report = apply_retention(session, school, now)
            if not report.decided:
                log.info("%s: nothing deleted: no deletion decision (gallringsbeslut) is recorded", label)
            yield label, report
    if complete:
        with db.transaction() as session:
            claim_day(session, ROUTINE, now.date())
