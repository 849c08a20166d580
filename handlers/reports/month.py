"""`report` in chat: this month's key figures of the coordinator's school, with one chart.

A coordinator asks in the middle of the month "how are we doing?"; the full report (`mentorbot
report`, every section and chart) is a file an operator makes on the server. The chat answer
reuses the report's figures (handlers/reports/figures.py), so its numbers and its small-cell
suppression are the report's: this month so far for the figures, and the school year so far for
the one chart (the share of students by absence, per month: the measure municipalities compare).
The use case returns the figures; the edge draws the chart (bot/reports/chat.py) and shows it
the platform's way. Every answer is recorded in the school's audit log, as a report is.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from handlers.access import require_role
from handlers.programme import ACKNOWLEDGE_SCHOOL_DAYS, school_name
from handlers.reports.data import load, schools_with_breaks
from handlers.reports.figures import compute, school_year_start
from handlers.results import KeyFigure, MonthReport, Outcome
from models import Member, Role
from models.audit import record
from models.messages import N_, msg

# (label, section, figure, breakdown) of this month's key figures, in the order they are shown.
KEY_FIGURES = (
    (N_("students in the programme"), "overview", "students", ""),
    (N_("check-ins"), "overview", "check_ins", ""),
    (N_("check-ins per student a month"), "dosage", "check_ins_per_student", ""),
    (N_("prompts answered"), "dosage", "prompts_answered", ""),
    (N_("students at 15 % absence or more"), "attendance", "absence_at_least", "15"),
    (N_("engagement, median (1-5)"), "engagement", "median", ""),
    (N_("early-warning cases raised"), "early_warning", "raised", ""),
    (N_("acknowledged within {days} school days"), "early_warning", "acknowledged_in_time", ""),
)
FULL_REPORT = N_(
    "The full report, with every chart and table, is made on the server by whoever runs mentorbot: "
    'mentorbot report --school "{school}"'
)


def month_report(session: Session, actor: Member, now: datetime) -> Outcome:
    """This month so far in the actor's school; coordinators only."""
    require_role(actor, Role.COORDINATOR)
    (school,) = schools_with_breaks(session, [actor.school_id])
    today = now.astimezone(ZoneInfo(school.timezone)).date()
    month_first, year_first = today.replace(day=1), school_year_start(today)
    data = load(session, [school], year_first, today)
    report_id = "R-" + secrets.token_hex(4).upper()
    record(session, actor, school.id, "report.school", "report", report_id, now)
    month = compute(data, month_first, today, programme=False)
    label = month.schools[0][1]
    key_figures = tuple(
        KeyFigure(
            msg(text, days=ACKNOWLEDGE_SCHOOL_DAYS),
            month.get(section, name, breakdown=breakdown, school=label),
        )
        for text, section, name, breakdown in KEY_FIGURES
    )
    year = compute(data, year_first, today, programme=False)
    return Outcome(
        reply=[
            MonthReport(school.name or "", report_id, month_first, today, key_figures, year, label),
            msg(FULL_REPORT, school=school_name(school)),
        ]
    )
