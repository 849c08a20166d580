"""Dispatching due prompts into a zero-latency fake platform: ours next to one APScheduler job per mentorship.

Ours: mentorships are made due at one moment and clock ticks record the prompts (one per mentorship),
queue one message per mentor and deliver the outbox, in one process or several racing on
PostgreSQL. The naive design: a job per mentorship in APScheduler's SQLAlchemyJobStore, each job
loading its mentorship, recording the prompt and sending one message. Both write the same rows
and deliver to the same fake, so prompts per second compare like with like.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from datetime import timedelta

from sqlalchemy import delete, select, text

from bench.databases import use_bench_key
from bench.fakes import CountingNotifier
from bench.tick import SEED_NOW
from handlers.results import DueMentee, DuePrompt, Notification, Recipient
from models import Mentorship, OutboxMessage, Prompt, PromptStatus, Student
from models.db import Database
from models.seed import mark_due
from schedules.clock import Clock, ClockSettings

DUE = SEED_NOW + timedelta(hours=1)  # Monday 14:00 local: before any seeded cadence falls due


def reset(db: Database) -> None:
    """Undo a dispatch run: its prompts, the outbox, and the due times (made due again by the next run)."""
    with db.transaction() as session:
        session.execute(delete(Prompt).where(Prompt.local_date == DUE.date()))
        session.execute(delete(OutboxMessage))


def _worker(url: str, start: multiprocessing.synchronize.Event, results: multiprocessing.Queue) -> None:
    use_bench_key()
    db = Database(url)
    notifier = CountingNotifier()
    clock = Clock(db, notifier, ClockSettings(), worker=f"bench-{multiprocessing.current_process().pid}")
    clock.tick(DUE - timedelta(hours=2))  # warm up: imports, pool, the day's routines, nothing due yet
    start.wait()
    clock.tick(DUE)
    results.put(notifier.prompts)
    db.dispose()


def ours(db: Database, count: int, workers: int = 1) -> tuple[float, int]:
    """Seconds to record and deliver `count` due prompts with `workers` processes, and prompts delivered."""
    reset(db)
    mark_due(db, DUE, limit=count)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=_worker, args=(db.url, start, results)) for _ in range(workers)]
    for process in processes:
        process.start()
    time.sleep(0.2)
    _wait_until_warm(db, workers)
    began = time.perf_counter()
    start.set()
    delivered = sum(_result(results, processes) for _ in processes)
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    return elapsed, delivered


def _result(results: multiprocessing.Queue, processes: list) -> int:
    """The next worker's count; fails at once, not after a timeout, when a worker died."""
    while True:
        try:
            return int(results.get(timeout=0.5))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                raise RuntimeError("a dispatch worker failed; its traceback is above") from None


def _wait_until_warm(db: Database, workers: int) -> None:
    # Spawned processes import everything first; give them time so start-up is not measured.
    time.sleep(1.5 + 0.5 * workers)


# --- The naive design --------------------------------------------------------------------------

_naive: dict[str, object] = {}


def send_prompt(mentorship_id: int) -> None:
    """The naive job: load the mentorship, record the occurrence, send one message for one mentee."""
    db: Database = _naive["db"]  # type: ignore[assignment]
    notifier: CountingNotifier = _naive["notifier"]  # type: ignore[assignment]
    with db.transaction() as session:
        mentorship = session.get(Mentorship, mentorship_id)
        if mentorship is None or mentorship.ended_at is not None:
            return
        student: Student = mentorship.student
        session.add(
            Prompt(
                mentorship_id=mentorship.id,
                due_at=DUE,
                local_date=DUE.date(),
                status=PromptStatus.SENT,
                sent_at=DUE,
                created_at=DUE,
            )
        )
        school = student.school
        notifier.deliver(
            None,  # type: ignore[arg-type]
            Notification(
                Recipient.person(mentorship.mentor.user_id),
                DuePrompt(school.timezone, [DueMentee(student.code, student.code, DUE)]),
                language=school.language,
            ),
        )
    done = _naive["done"]
    with done["lock"]:  # type: ignore[index]
        done["count"] += 1  # type: ignore[index]
        if done["count"] >= done["target"]:  # type: ignore[index]
            done["event"].set()  # type: ignore[index]


def naive(db: Database, count: int) -> tuple[float, int]:
    """Seconds for APScheduler to run `count` due jobs from its SQLAlchemyJobStore, and prompts sent."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    reset(db)
    store_url = db.url
    with db.transaction() as session:
        ids = list(session.scalars(select(Mentorship.id).order_by(Mentorship.id).limit(count)))
        session.execute(text("DROP TABLE IF EXISTS naive_jobs"))
    notifier = CountingNotifier()
    done = {"lock": threading.Lock(), "count": 0, "target": len(ids), "event": threading.Event()}
    _naive.update(db=db, notifier=notifier, done=done)
    # Jobs are added while the scheduler is paused, so none runs before the clock starts.
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=store_url, tablename="naive_jobs")}, timezone="UTC"
    )
    scheduler.start(paused=True)
    for mentorship_id in ids:
        scheduler.add_job(
            send_prompt,
            "interval",
            weeks=1,
            args=[mentorship_id],
            id=f"mentorship-{mentorship_id}",
            next_run_time=DUE,
            misfire_grace_time=None,
            coalesce=True,
        )
    began = time.perf_counter()
    scheduler.resume()
    done["event"].wait(timeout=600)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - began
    scheduler.shutdown(wait=True)
    with db.transaction() as session:
        session.execute(text("DROP TABLE IF EXISTS naive_jobs"))
    return elapsed, notifier.prompts
