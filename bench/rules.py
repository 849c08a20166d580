"""Early warning: the pure rules on one check-in, and a submitted check-in until the EHT alert is delivered.

The rules are timed on a realistic student (a term of weekly check-ins, the newest with a rating of
1). The end-to-end time is what the web app does for a submission: the use case in one transaction
(save, evaluate, decide the alert, queue it), then delivering the outbox to the (fake) platform.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from sqlalchemy import select

from bench.fakes import CountingNotifier
from handlers.actors import Caller, SchoolDefaults
from handlers.dispatch import Core
from models import Member, Mentorship, School, Student
from models.base import utcnow
from models.calendar import SchoolCalendar
from models.db import Database
from models.rules import CheckInFacts, Situation, evaluate, thresholds_for
from schedules.outbox import deliver_pending

CONCERN = {
    "met": "yes",
    "absent_days": "1",
    "unexcused_days": "0",
    "absent_lessons": "0",
    "late_arrivals": "0",
    "behavioural": "3",
    "academic": "2",
    "cognitive": "3",
    "affective": "2",
    "strengths": "Came to the meeting",
    "concern": "yes",
    "concern_domain": "home",
    "note": "",
}


def rules_per_check_in(repeats: int = 2000) -> float:
    """Median seconds for `evaluate` on a student with a term of weekly check-ins."""
    calendar = SchoolCalendar()
    today = date(2026, 11, 23)
    history = [
        CheckInFacts(on=today - timedelta(days=7 * (17 - n)), absent_days=n % 3 == 0, ratings=(4, 3, 3, 4))
        for n in range(17)
    ]
    history.append(CheckInFacts(on=today, absent_days=2, late_arrivals=1, ratings=(1, 2, 3, 2), concern=True))
    situation = Situation(today=today, history=history, mentored_since=today - timedelta(days=120))
    thresholds = thresholds_for({})
    evaluate(situation, thresholds, calendar)  # load the year's holidays once, as a running process has
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        evaluate(situation, thresholds, calendar)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def submission_to_alert(db: Database, repeats: int = 20) -> float:
    """Median seconds from submitting a check-in with a concern to the EHT alert being delivered."""
    with db.transaction() as session:
        rows = session.execute(
            select(School.platform, School.workspace_id, Member.user_id, Student.code)
            .join(Student, Student.school_id == School.id)
            .join(Mentorship, (Mentorship.student_id == Student.id) & Mentorship.ended_at.is_(None))
            .join(Member, Member.id == Mentorship.mentor_id)
            .order_by(Student.id)
            .limit(repeats)
        ).all()
    notifier = CountingNotifier()
    defaults = SchoolDefaults()
    times = []
    for platform, workspace, user, code in rows:
        caller = Caller(platform, workspace, user)
        started = time.perf_counter()
        outcome = Core(db, defaults).check_in(caller, code, CONCERN)
        if outcome.refused:
            raise RuntimeError(f"the check-in was refused: {outcome.reply or outcome.form_errors}")
        before = notifier.alerts
        deliver_pending(db, notifier, utcnow(), "bench")
        if notifier.alerts > before:
            times.append(time.perf_counter() - started)
        if len(times) >= repeats:
            break
    if not times:
        raise RuntimeError("no check-in raised an alert")
    return statistics.median(times)
