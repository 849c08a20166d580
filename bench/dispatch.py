"""Dispatching due prompts into a zero-latency fake platform: ours next to the set-based limit and
to one APScheduler job per mentorship.

Ours: mentorships are made due at one moment and clock ticks record the prompts (one per mentorship),
queue one message per mentor and deliver the outbox, in one process or several racing on
PostgreSQL. The set-based limit (`limit`, PostgreSQL): the same writes at the same batch sizes as
bare SQL, one statement per batch that records the prompts, marks the missed ones, writes one
message per mentor and moves the due times a week on (no calendar, no RRULE, no Python between
the rows), then the same claiming and marking sent; it is what the database itself allows on this
machine, so our ratio to it holds on a busy machine where the prompts per second do not. The naive
design: a job per mentorship in APScheduler's SQLAlchemyJobStore, each job loading its
mentorship, recording the prompt and sending one message. All write the same rows and deliver to
the same fake, so prompts per second compare like with like.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select, text

from bench.databases import use_bench_key
from bench.fakes import CountingNotifier
from bench.tick import SEED_NOW, mark_routines_done
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
    return _race(db, count, workers, _worker)


def limit(db: Database, count: int, workers: int = 2) -> tuple[float, int]:
    """The same as `ours` in bare set-based SQL (PostgreSQL only): seconds, and prompts delivered."""
    return _race(db, count, workers, _limit_worker)


def _race(db: Database, count: int, workers: int, target: Callable[..., None]) -> tuple[float, int]:
    reset(db)
    mark_due(db, DUE, limit=count)
    # The day's routines (the early-warning pass over every student) are not dispatch: done already.
    mark_routines_done(db, DUE - timedelta(hours=2), ClockSettings())
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=target, args=(db.url, start, results)) for _ in range(workers)]
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


# --- The set-based limit -----------------------------------------------------------------------

# One statement per batch of MENTOR_BATCH mentors: lock them, record their due prompts, mark the
# unanswered ones among the latest three before each missed, write one message per mentor listing
# the mentees (the JSON our outbox holds), move the due times on.
_RECORD = """
WITH mentors AS (
    SELECT id FROM member
    WHERE id IN (
        SELECT m.mentor_id FROM mentorship m JOIN student s ON s.id = m.student_id
        WHERE m.ended_at IS NULL AND m.next_due_at <= %(now)s AND s.active
        ORDER BY m.next_due_at LIMIT %(window)s)
    ORDER BY id LIMIT %(batch)s FOR UPDATE SKIP LOCKED
), due AS (
    SELECT m.id, m.mentor_id, m.next_due_at, s.code, s.display_name, s.school_id, sc.timezone
    FROM mentorship m JOIN student s ON s.id = m.student_id JOIN school sc ON sc.id = s.school_id
    WHERE m.mentor_id IN (SELECT id FROM mentors)
        AND m.ended_at IS NULL AND m.next_due_at <= %(now)s AND s.active
), new AS (
    INSERT INTO prompt (mentorship_id, due_at, local_date, status, created_at)
    SELECT id, next_due_at, (next_due_at AT TIME ZONE timezone)::date, 'pending', %(now)s FROM due
    ON CONFLICT (mentorship_id, local_date) DO NOTHING
    RETURNING id, mentorship_id
), missed AS (
    UPDATE prompt SET status = 'missed'
    FROM new CROSS JOIN LATERAL (
        SELECT q.id FROM prompt q WHERE q.mentorship_id = new.mentorship_id AND q.id <> new.id
        ORDER BY q.local_date DESC LIMIT 3) AS latest
    WHERE prompt.id = latest.id AND prompt.status IN ('sent', 'snoozed')
), messages AS (
    INSERT INTO outbox_message (school_id, dedupe_key, recipient_kind, recipient_id, language, content,
        prompt_ids, status, attempts, created_at)
    SELECT min(due.school_id), 'limit:' || due.mentor_id || ':' || min(new.id), 'person',
        min(member.user_id), 'sv',
        json_build_object('type', 'DuePrompt', 'timezone', min(due.timezone), 'reminder', false,
            'mentees', json_agg(json_build_object('type', 'DueMentee', 'code', due.code,
                'label', trim(due.code || ' ' || due.display_name),
                'due_at', json_build_object('$dt', due.next_due_at)))),
        json_agg(new.id), 'pending', 0, %(now)s
    FROM new JOIN due ON due.id = new.mentorship_id JOIN member ON member.id = due.mentor_id
    GROUP BY due.mentor_id
), moved AS (
    UPDATE mentorship SET next_due_at = due.next_due_at + interval '7 days' FROM due
    WHERE mentorship.id = due.id
)
SELECT count(*) FROM mentors
"""

_CLAIM = """
UPDATE outbox_message SET status = 'sending', claimed_at = %(now)s, claimed_by = %(me)s,
    attempts = attempts + 1
WHERE id IN (
    SELECT id FROM outbox_message
    WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)
    ORDER BY id LIMIT %(batch)s FOR UPDATE SKIP LOCKED)
RETURNING id, content, prompt_ids
"""

_MARK_MESSAGES = """
UPDATE outbox_message SET status = 'sent', sent_at = %(now)s, message_ref = given.ref
FROM unnest(%(ids)s::integer[], %(refs)s::text[]) AS given(id, ref) WHERE outbox_message.id = given.id
"""

_MARK_PROMPTS = """
UPDATE prompt SET status = CASE WHEN status = 'pending' THEN 'sent' ELSE status END,
    sent_at = CASE WHEN status = 'pending' THEN %(now)s ELSE sent_at END
WHERE id = ANY(%(ids)s)
"""


def _limit_worker(url: str, start: multiprocessing.synchronize.Event, results: multiprocessing.Queue) -> None:
    import psycopg

    from schedules import outbox, prompting

    now, me = DUE, f"limit-{multiprocessing.current_process().pid}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        start.wait()
        window = {"now": now, "window": prompting.MENTOR_BATCH * 20, "batch": prompting.MENTOR_BATCH}
        while True:
            with connection.transaction():
                row = connection.execute(_RECORD, window).fetchone()
            if not row or not row[0]:
                break
        delivered = 0
        while True:
            with connection.transaction():
                claimed = connection.execute(_CLAIM, {"now": now, "me": me, "batch": outbox.BATCH}).fetchall()
            for first in range(0, len(claimed), outbox.MARK_EVERY):
                group = claimed[first : first + outbox.MARK_EVERY]
                delivered += sum(len(content["mentees"]) for _, content, _ in group)
                with connection.transaction():
                    ids = [outbox_id for outbox_id, _, _ in group]
                    refs = [f"ts-{outbox_id}" for outbox_id in ids]
                    connection.execute(_MARK_MESSAGES, {"now": now, "ids": ids, "refs": refs})
                    prompt_ids = [prompt_id for _, _, listed in group for prompt_id in listed]
                    connection.execute(_MARK_PROMPTS, {"now": now, "ids": prompt_ids})
            if len(claimed) < outbox.BATCH:
                break
    results.put(delivered)


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
