"""The idle clock tick: what one tick costs when nothing is due, at growing numbers of mentorships.

Every query a tick makes must be index-backed and nothing may walk all schools or mentorships, so
the cost should stay flat from 10k to 1M. The tick runs at a quiet moment (Monday afternoon, when
the day's routines have run) with a warm connection pool; we report the median.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.fakes import CountingNotifier
from models.cadence import previous_occurrence
from models.db import Database
from schedules import daily, digests, follow_ups, retention
from schedules.clock import Clock, ClockSettings
from schedules.digests import WEEK
from schedules.routines import claim_day

# The term the seed generates ends here; mentorships fall due after it.
SEED_NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)  # Monday
QUIET = SEED_NOW + timedelta(minutes=30)  # Monday 13:30 local: no cadence falls due until Tuesday


def idle_tick(db: Database, repeats: int = 200) -> float:
    """Median seconds per tick when nothing is due (after a first tick that runs the daily routines)."""
    notifier = CountingNotifier()
    clock = Clock(db, notifier, ClockSettings(), worker="bench")
    mark_routines_done(db, QUIET, clock.settings)
    clock.tick(QUIET)  # warm up: imports, the pool, prepared statements
    times = []
    for n in range(repeats):
        started = time.perf_counter()
        report = clock.tick(QUIET.replace(second=n % 60))
        times.append(time.perf_counter() - started)
        if report.prompts or report.delivered:
            raise RuntimeError("the idle tick found work: the benchmark data is not idle")
    return statistics.median(times)


def mark_routines_done(db: Database, now: datetime, settings: ClockSettings) -> None:
    """The state of any tick after the morning: today's routines and this week's digests have run.

    (Running them here would measure the daily early-warning pass over every student, not a tick.)
    """
    week = previous_occurrence(settings.digest_rule, settings.timezone, now, within=WEEK)
    local_day = now.astimezone(ZoneInfo(settings.timezone)).date()
    with db.transaction() as session:
        claim_day(session, daily.ROUTINE, local_day)
        claim_day(session, follow_ups.ROUTINE, local_day)
        claim_day(session, retention.ROUTINE, now.date())
        if week is not None:
            claim_day(session, digests.ROUTINE, week.astimezone(ZoneInfo(settings.timezone)).date())
