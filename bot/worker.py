"""The worker of the web path: does the jobs the adapters acked (`handlers/jobs.py`).

It runs as asyncio tasks inside each web process (`serve`, and each of `serve --workers N`), so
no extra process is needed: started with the app (or by its first request), it first takes up
whatever was left unfinished, then sleeps until a request of its own process queues a job (`wake`)
or a second has passed (another process's job, or a claim whose holder died). Each job is handed
to its platform's runner (Slack's or Teams'), which runs the use case off the event loop and
answers the person; then the job is deleted. `RUNNERS` jobs run at once per process; the queue's
limit (MENTORBOT_QUEUE_LIMIT) is what keeps the backlog, and the memory it takes, bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from handlers import jobs
from handlers.failures import log_failure
from handlers.jobs import Accepted, QueuedJob
from models.base import utcnow
from models.db import Database, writing
from schedules.outbox import worker_name

log = logging.getLogger("mentorbot.worker")

RUNNERS = 4
POLL_SECONDS = 1.0
# A job that failed this often (its process died each time, or it keeps failing) is dropped.
MAX_ATTEMPTS = 5

Runner = Callable[[QueuedJob], Awaitable[None]]


class Worker:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow, runners: int = RUNNERS) -> None:
        self.db = db
        self.clock = clock
        self.runners = runners
        self.platforms: dict[str, Runner] = {}
        self.name = f"{worker_name()[:50]}:{secrets.token_hex(4)}"
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def serve(self, platform: str, runner: Runner) -> None:
        self.platforms[platform] = runner

    def start(self) -> None:
        """Start in the running event loop, once (the app's start-up, or its first request)."""
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())

    def wake(self) -> None:
        self.start()
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        """Stop claiming; jobs under way are cancelled and handed back, for the next process at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await asyncio.to_thread(jobs.release, self.db, self.name)
        except Exception as exc:  # then taken over after the lease
            log_failure("handing jobs back", exc, log)

    async def _run(self) -> None:
        """Keep up to `runners` jobs under way: claim as many as there are free places, and look
        again when one is done, when woken, or after `POLL_SECONDS`."""
        assert self._wake is not None
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                self._wake.clear()
                free = self.runners - len(running)
                claimed = await self._claim(free) if free > 0 else []
                for job in claimed:
                    task = asyncio.get_running_loop().create_task(self._do(job))
                    running.add(task)
                    task.add_done_callback(self._finished(running))
                if claimed and len(claimed) == free:
                    continue  # more may be waiting: claim again as soon as a place is free
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    def _finished(self, running: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
        def finished(task: asyncio.Task[None]) -> None:
            running.discard(task)
            if self._wake is not None:
                self._wake.set()

        return finished

    async def _claim(self, count: int) -> list[QueuedJob]:
        try:
            return await asyncio.to_thread(
                jobs.claim, self.db, self.name, self.clock(), count, list(self.platforms)
            )
        except Exception as exc:  # the database away: try again after the pause
            log_failure("claiming jobs", exc, log)
            return []

    async def _do(self, job: QueuedJob) -> None:
        runner = self.platforms[job.platform]
        if job.attempts > MAX_ATTEMPTS:
            log.warning(
                "job %s (%s %s) dropped after %d attempts", job.id, job.platform, job.kind, job.attempts
            )
        else:
            try:
                with writing():  # a job changes things: on SQLite its transactions take turns
                    await runner(job)
            except Exception as exc:  # runners answer their own failures; this is the last guard
                log_failure(f"{job.platform} {job.kind} job", exc, log)
        try:
            await asyncio.to_thread(jobs.done, self.db, job.id)
        except Exception as exc:  # left claimed: taken over after the lease, and answered "already done"
            log_failure("finishing a job", exc, log)


class Queue:
    """What a listener holds to queue a job: the worker to wake and the queue's limit."""

    def __init__(self, worker: Worker, limit: int) -> None:
        self.worker = worker
        self.limit = limit

    async def put(self, key: str, platform: str, kind: str, payload: dict[str, Any]) -> Accepted:
        accepted = await asyncio.to_thread(
            jobs.accept, self.worker.db, key, platform, kind, payload, self.worker.clock(), self.limit
        )
        if accepted is Accepted.QUEUED:
            self.worker.wake()
        else:
            self.worker.start()
        return accepted
