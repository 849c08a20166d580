"""Resident memory of the serving process on a database of 100k students and 1M check-ins.

The process does what `mentorbot serve` does at start (open the database, configure the keys,
build the web app when the Slack web app is installed) and then serves representative requests:
the mentee list, students, alerts, help, a check-in submission with its alert, and a clock tick.
We report its resident set size (VmRSS) after that, and its peak (ru_maxrss).
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench.cold_start import ROOT
from bench.databases import BENCH_KEY
from models.db import Database

SERVE = """
import importlib.util, resource, sys
from sqlalchemy import select
from bot.config import load_settings
from bot.runtime import open_database, school_defaults
from bench.fakes import CountingNotifier
from bench.rules import CONCERN
from handlers.actors import Caller
from handlers.dispatch import Core
from models import Member, School, Student
from schedules.clock import Clock, ClockSettings

settings = load_settings()
db = open_database(settings)
web = "no"
if importlib.util.find_spec("bot.web") is not None:
    try:
        from bot.runtime import build_notifier
        from bot.web import create_web_app
        create_web_app(settings, db, build_notifier(settings, db, sys.stdout))
        web = "yes"
    except Exception as error:
        web = type(error).__name__
defaults = school_defaults(settings)
with db.transaction() as session:
    schools = session.execute(
        select(School.platform, School.workspace_id).order_by(School.id).limit(50)
    ).all()
REQUESTS = (("mentor01", "mentees"), ("coordinator", "students"), ("eht", "alerts"), ("x", "help"))
for platform, workspace in schools:
    for user, text in REQUESTS:
        Core(db, defaults).command(Caller(platform, workspace, user), text)
with db.transaction() as session:
    code = session.scalar(select(Student.code).where(Student.school_id == 1).order_by(Student.id))
    platform, workspace = schools[0]
for user in ("mentor01", "mentor02", "mentor03", "mentor04", "mentor05", "mentor06", "mentor07", "mentor08"):
    Core(db, defaults).check_in(Caller(platform, workspace, user), code, CONCERN)
Clock(db, CountingNotifier(), ClockSettings()).tick()
rss = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:"))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("rss_kib", rss, peak, web, flush=True)
"""


def serving_rss(db: Database) -> tuple[float, float, str]:
    """(resident MiB after serving, peak MiB, whether the web app was built)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MENTORBOT_SECRET_KEY": BENCH_KEY,
        "DATABASE_URL": db.url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    process = subprocess.run(
        [sys.executable, "-c", SERVE], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT
    )
    line = next((ln for ln in process.stdout.splitlines() if ln.startswith("rss_kib")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"serving process failed: {process.stderr.strip()[-800:]}")
    _, rss, peak, web = line.split()
    return int(rss) / 1024, int(peak) / 1024, web
