"""The idle clock tick: what one tick costs when nothing is due, at growing numbers of mentorships.

Every query a tick makes must be index-backed and nothing may walk all schools or mentorships, so
the cost should stay flat from 10k to 1M. The tick runs at a quiet moment (Monday afternoon, after
the first tick has run the daily routines) with a warm connection pool; we report the median.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from bench.fakes import CountingNotifier
from models.db import Database
from schedules.clock import Clock, ClockSettings

# The term the seed generates ends here; mentorships fall due after it.
SEED_NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)  # Monday
QUIET = SEED_NOW + timedelta(minutes=30)  # Monday 13:30 local: no cadence falls due until Tuesday


def idle_tick(db: Database, repeats: int = 200) -> float:
    """Median seconds per tick when nothing is due (after a first tick that runs the daily routines)."""
    notifier = CountingNotifier()
    clock = Clock(db, notifier, ClockSettings(), worker="bench")
    clock.tick(QUIET)  # the day's retention and early-warning run happen here, once
    times = []
    for n in range(repeats):
        started = time.perf_counter()
        report = clock.tick(QUIET.replace(second=n % 60))
        times.append(time.perf_counter() - started)
        if report.prompts or report.delivered:
            raise RuntimeError("the idle tick found work: the benchmark data is not idle")
    return statistics.median(times)
