"""Cold start to ready: a new worker process until its first clock tick is done, next to the naive
design starting APScheduler on a SQLAlchemyJobStore that holds one job per mentorship and loading them.

Our worker ticks at the seed's fixed quiet moment (`bench.tick.QUIET`), never at the real clock.
Both are timed from before the process starts (interpreter and imports included) to the line it
prints when it is ready, so the comparison is what an operator waits for after a deploy.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select, text

from bench.databases import BENCH_KEY
from models import Mentorship
from models.db import Database

ROOT = Path(__file__).resolve().parent.parent

OURS = """
import sys
from bench.databases import use_bench_key
from bench.fakes import CountingNotifier
from bench.tick import QUIET
from models import migrate
from models.db import Database
from schedules.clock import Clock, ClockSettings
use_bench_key()
db = Database(sys.argv[1])
assert migrate.is_up_to_date(db.engine)
# At the seeded data's own quiet moment, like every other row: at the real clock a later date would
# make the first tick catch up on weeks of prompts and time that instead of the start.
Clock(db, CountingNotifier(), ClockSettings()).tick(QUIET)
print("ready", flush=True)
"""

NAIVE = """
import sys
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
scheduler = BackgroundScheduler(
    jobstores={"default": SQLAlchemyJobStore(url=sys.argv[1], tablename="naive_jobs")}, timezone="UTC"
)
scheduler.start()
jobs = scheduler.get_jobs()  # what the naive design loads to know its mentorships' schedules
print("ready", len(jobs), flush=True)
scheduler.shutdown(wait=False)
"""


def _time(script: str, url: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MENTORBOT_SECRET_KEY": BENCH_KEY}
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", script, url], env=env, capture_output=True, text=True, timeout=600
    )
    if process.returncode != 0 or "ready" not in process.stdout:
        raise RuntimeError(f"cold start failed: {process.stderr.strip()[-500:]}")
    return time.perf_counter() - started


def ours(db: Database) -> float:
    return _time(OURS, db.url)


def fill_naive_store(db: Database, count: int) -> None:
    """One weekly job per mentorship in APScheduler's job store, as the naive design keeps them."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    with db.transaction() as session:
        session.execute(text("DROP TABLE IF EXISTS naive_jobs"))
        ids = list(session.scalars(select(Mentorship.id).order_by(Mentorship.id).limit(count)))
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=db.url, tablename="naive_jobs")}, timezone="UTC"
    )
    scheduler.start(paused=True)
    # One job through APScheduler itself; the rest are copies of its stored state with their own id
    # and mentorship (adding 100k jobs one by one would take minutes and measure nothing we compare).
    job = scheduler.add_job(
        "bench.dispatch:send_prompt",
        "cron",
        day_of_week="mon",
        hour=8,
        minute=30,
        args=[ids[0]],
        id=f"mentorship-{ids[0]}",
    )
    store = scheduler._lookup_jobstore("default")
    template = job.__getstate__()
    rows = []
    for mentorship_id in ids[1:]:
        state = {**template, "id": f"mentorship-{mentorship_id}", "args": (mentorship_id,)}
        rows.append(
            {
                "id": state["id"],
                "next_run_time": job.next_run_time.timestamp(),
                "job_state": pickle.dumps(state, store.pickle_protocol),
            }
        )
    scheduler.shutdown(wait=False)
    with store.engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(store.jobs_t.insert(), rows[start : start + 5000])
    store.engine.dispose()


def naive(db: Database) -> float:
    try:
        return _time(NAIVE, db.url)
    finally:
        with db.transaction() as session:
            session.execute(text("DROP TABLE IF EXISTS naive_jobs"))
