"""The queue between an adapter's ack and the worker that does the work (`models/job.py`).

`accept` stores a request as a job in one short transaction (a count, one insert), or says the
queue is full (`Busy`: nothing is stored, the person is asked to try again) or that the same
request is already waiting (`Repeat`). `claim` hands a worker the oldest jobs nobody holds (or
whose holder's lease ran out: it died), with FOR UPDATE SKIP LOCKED on PostgreSQL so several web
processes share the queue; `done` deletes a job once it is worked and answered. The work itself
runs through `Core.run` under the job's key, so it is done once however often it is claimed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from models import Job
from models.db import Database, writing
from models.messages import N_

# A job runs in seconds; one claimed longer ago than this belongs to a worker that died.
JOB_LEASE = timedelta(minutes=2)
BUSY = N_(
    "mentorbot is busy right now and did not take that; nothing was saved. Please try again in a minute."
)


class Accepted(Enum):
    QUEUED = "queued"
    BUSY = "busy"  # more than the limit are waiting: not stored
    REPEAT = "repeat"  # the same request is waiting already


@dataclass(frozen=True)
class QueuedJob:
    id: int
    key: str
    platform: str
    kind: str
    payload: dict[str, Any]
    attempts: int


def new_key(platform: str) -> str:
    """A key for a request the platform gives no id of its own (a typed command)."""
    return f"{platform}:job:{secrets.token_hex(12)}"


class _Full(Exception):
    """Rolls the insert back: the queue was full."""


def accept(
    db: Database, key: str, platform: str, kind: str, payload: dict[str, Any], now: datetime, limit: int
) -> Accepted:
    """Store the request unless `limit` jobs are waiting already; the key makes it once.

    The insert comes first: on SQLite it takes the write lock at once (a read first would have to
    upgrade, and fails at once when another writer committed in between), and the count after it
    then sees every job, so the limit holds exactly there.
    """
    job = Job(key=key[:200], platform=platform, kind=kind, payload=json.dumps(payload), created_at=now)
    try:
        with writing(), db.transaction() as session:
            session.add(job)
            session.flush()
            if (session.scalar(select(func.count()).select_from(Job)) or 0) > limit:
                raise _Full
    except IntegrityError:
        return Accepted.REPEAT
    except _Full:
        return Accepted.BUSY
    return Accepted.QUEUED


def claim(
    db: Database, worker: str, now: datetime, count: int, platforms: Collection[str]
) -> list[QueuedJob]:
    """Up to `count` of the oldest jobs of `platforms` nobody holds, claimed for `worker` (its own token)."""
    free = or_(Job.claimed_at.is_(None), Job.claimed_at < now - JOB_LEASE)
    with writing(), db.transaction() as session:
        ids = list(
            session.scalars(
                select(Job.id)
                .where(free, Job.platform.in_(list(platforms)))
                .order_by(Job.id)
                .limit(count)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        # Conditional, so two SQLite processes reading the same ids cannot both take one.
        session.execute(
            update(Job)
            .where(Job.id.in_(ids), free)
            .values(claimed_at=now, claimed_by=worker[:64], attempts=Job.attempts + 1)
        )
        jobs = session.scalars(select(Job).where(Job.id.in_(ids), Job.claimed_by == worker[:64]))
        return [QueuedJob(j.id, j.key, j.platform, j.kind, json.loads(j.payload), j.attempts) for j in jobs]


def done(db: Database, job_id: int) -> None:
    with writing(), db.transaction() as session:
        session.execute(delete(Job).where(Job.id == job_id))


def release(db: Database, worker: str) -> None:
    """Hand back what `worker` holds (it is stopping): the next worker takes it up at once."""
    with writing(), db.transaction() as session:
        session.execute(
            update(Job).where(Job.claimed_by == worker[:64]).values(claimed_at=None, claimed_by=None)
        )


def waiting(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0
