"""The clock: APScheduler only ticks; each tick decides what is due and delivers the outbox.

APScheduler's job store is in memory and never shared between processes, because all state lives
in the database: a tick can run in any process, any number of times, and still prompt once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.exc import OperationalError

from handlers.delivery import Notifier
from handlers.failures import log_failure
from handlers.results import Notification
from models.base import utcnow
from models.cadence import DIGEST_DEFAULT
from models.db import Database
from schedules.daily import run_daily_early_warning
from schedules.digests import record_digests
from schedules.follow_ups import remind_follow_ups
from schedules.guardians import ask_guardians_told
from schedules.outbox import deliver_pending, worker_name
from schedules.prompting import record_due_prompts, record_reminders, record_snoozes_ended
from schedules.retention import run_retention
from schedules.waiting import what_is_waiting

log = logging.getLogger("mentorbot.clock")
# Reads every school's attendance source that is due tonight (bot.ss12000.sync.nightly_sync): the
# clock is given it, like its notifier, so it never calls a school's system itself. The answer's
# length is the number of schools read.
AttendanceSync = Callable[[Database, datetime, str], Sized]


@dataclass(frozen=True)
class ClockSettings:
    tick_seconds: int = 30
    reminder_after_school_hours: float = 24
    digest_rule: str = DIGEST_DEFAULT
    # The daily early-warning run (no-contact rule, re-raising) starts at this local hour.
    daily_hour: int = 7
    timezone: str = "Europe/Stockholm"


@dataclass
class TickReport:
    prompts: int = 0
    reminders: int = 0
    digests: int = 0
    retention: int = 0  # schools whose retention ran
    alerts: int = 0  # alert messages from the daily early-warning run
    follow_ups: int = 0  # follow-up reminders to alert owners
    guardians: int = 0  # questions to mentors: were the guardians told of unexcused absence?
    attendance: int = 0  # schools whose attendance was read from their system
    delivered: list[Notification] = field(default_factory=list)


class Clock:
    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        settings: ClockSettings | None = None,
        worker: str | None = None,
        now: Callable[[], datetime] = utcnow,
        attendance_sync: AttendanceSync | None = None,
    ) -> None:
        self.db = db
        self.attendance_sync = attendance_sync
        self.notifier = notifier
        self.settings = settings or ClockSettings()
        self.worker = worker or worker_name()
        self.now = now

    def tick(self, now: datetime | None = None) -> TickReport:
        """One pass: record what is due, then deliver everything waiting in the outbox."""
        now = now or self.now()
        report = TickReport()
        # One indexed question first: most ticks have nothing to do and end here (schedules/waiting.py).
        waiting = what_is_waiting(self.db, now, self.settings)
        if waiting.prompts:
            report.prompts = record_due_prompts(self.db, now)
        if waiting.snoozed:
            # After the due prompts: a snooze ending with a new occurrence is asked by that one.
            report.prompts += record_snoozes_ended(self.db, now)
        if waiting.reminders:
            report.reminders = record_reminders(self.db, now, self.settings.reminder_after_school_hours)
        if waiting.digests:
            report.digests = record_digests(self.db, now, self.settings.digest_rule, self.settings.timezone)
        if waiting.retention:
            report.retention = sum(1 for _ in run_retention(self.db, now))
        if waiting.daily:
            report.alerts = run_daily_early_warning(self.db, now, self.settings)
        if waiting.follow_ups:
            report.follow_ups = remind_follow_ups(self.db, now, self.settings)
        if waiting.guardians:
            report.guardians = ask_guardians_told(self.db, now, self.settings)
        if waiting.attendance and self.attendance_sync is not None:
            # Last: it may wait on a school's system, and nothing above should wait for it.
            report.attendance = len(self.attendance_sync(self.db, now, self.settings.timezone))
        queued = (
            report.prompts
            or report.reminders
            or report.digests
            or report.alerts
            or report.follow_ups
            or report.guardians
        )
        if waiting.outbox or queued:
            report.delivered = self.deliver(now)
        return report

    def deliver(self, now: datetime | None = None) -> list[Notification]:
        """Deliver what is waiting in the outbox now (after a person's action, say)."""
        return deliver_pending(self.db, self.notifier, now or self.now(), self.worker)

    def _scheduled_tick(self) -> None:
        try:
            self.tick()
        except OperationalError as error:
            # The database is briefly away: say so in one line; the next tick resumes by itself.
            log.warning("clock tick skipped, database unreachable: %s", type(error.orig).__name__)
        except Exception as exc:
            # Not APScheduler's report, which quotes the error's message (it may hold a name or
            # a note); the next tick tries again.
            log_failure("clock tick", exc, log)

    def schedule(self, scheduler: BaseScheduler) -> BaseScheduler:
        scheduler.add_job(
            self._scheduled_tick,
            "interval",
            seconds=self.settings.tick_seconds,
            id="tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self.settings.tick_seconds,
            next_run_time=utcnow(),
        )
        return scheduler

    def start_in_background(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone="UTC")
        self.schedule(scheduler).start()
        return scheduler

    def run_forever(self) -> None:
        self.schedule(BlockingScheduler(timezone="UTC")).start()
