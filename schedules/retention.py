"""Daily retention: each school's records-plan period applied once a day by the clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from models import School
from models.base import utcnow
from models.db import Database
from models.retention import DEFAULT_RETENTION_DAYS, RetentionReport, apply_retention


def run_retention(
    db: Database, now: datetime | None = None, force: bool = False
) -> Iterator[tuple[str, RetentionReport]]:
    """Apply retention to every school not yet done today (all of them with `force`)."""
    now = now or utcnow()
    with db.transaction() as session:
        due = select(School.id)
        if not force:
            due = due.where((School.retention_ran_on.is_(None)) | (School.retention_ran_on != now.date()))
        school_ids = list(session.scalars(due))
    for school_id in school_ids:
        with db.transaction() as session:
            school = session.scalars(
                select(School).where(School.id == school_id).with_for_update(skip_locked=True)
            ).first()
            if school is None or (not force and school.retention_ran_on == now.date()):
                continue
            yield (
                f"{school.platform}:{school.workspace_id}",
                apply_retention(session, school, now, DEFAULT_RETENTION_DAYS),
            )
