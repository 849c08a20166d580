"""The agenda for the student health team's weekly meeting: every open case, most worrying first.

The EHT meets once a week and goes through its cases. The agenda puts each open case on one
entry: its risk and age, who owns it, the student's engagement since the case opened (a
sparkline), and what changed since the last meeting — rules newly crossed or cleared, who
acknowledged or took it, a re-raise or an escalation. "The last meeting" is the last day before
today that the agenda was shown in this school, so opening it twice in one meeting changes
nothing; before any meeting, the last week counts. Cases closed since then are listed too, so the
team sees what left the list. Never a note: only rules, numbers and steps.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handlers.access import require_role
from handlers.alerts import case_row, open_case_rows, school_cases
from handlers.early_warning import local_today
from handlers.results import Agenda, AgendaItem, AlertRow, Outcome
from models import AlertCase, AlertStatus, CheckIn, Member, Role, School
from models.audit import AuditEvent, record
from models.messages import N_, Message, msg
from models.plan import kind_words
from models.rules import RULES_BY_ID
from models.trends import engagement_trend

# Before the first meeting, the agenda shows what changed in the last week.
FIRST_MEETING_LOOKS_BACK = timedelta(days=7)
# The steps on a case that the agenda reports, with how it says them.
STEP_WORDS = {
    "case.plan": N_("plan recorded"),
    "case.plan.change": N_("plan changed"),
    "case.plan.continue": N_("plan continued to a new review"),
    "case.plan.close": N_("plan closed"),
    "case.open": N_("case opened"),
    "case.acknowledge": N_("acknowledged"),
    "case.own": N_("ownership taken"),
    "case.investigation": N_("investigation answered"),
    "case.reraise": N_("raised again: nobody acknowledged it"),
    "case.escalate": N_("sent to the coordinators"),
}
# The engagement sparkline starts with this many check-ins from before the case opened: a baseline.
BASELINE_CHECK_INS = 2


def _last_meeting(session: Session, school: School, now: datetime) -> datetime | None:
    """When the agenda was last shown on an earlier day than today (school time), or None."""
    today = local_today(school, now)
    shown = session.scalars(
        select(AuditEvent.at)
        .where(AuditEvent.school_id == school.id, AuditEvent.action == "agenda.show", AuditEvent.at <= now)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return next((at for at in shown if local_today(school, at) < today), None)


def _steps_since(
    session: Session, case_ids: list[int], since: datetime, now: datetime
) -> dict[int, list[str]]:
    """Per case, the audited steps since `since` that the agenda reports, oldest first, each once."""
    events = session.execute(
        select(AuditEvent.object_id, AuditEvent.action)
        .where(
            AuditEvent.object_type == "case",
            AuditEvent.object_id.in_([str(i) for i in case_ids]),
            AuditEvent.action.in_(STEP_WORDS),
            AuditEvent.at > since,
            AuditEvent.at <= now,
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    steps: dict[int, list[str]] = defaultdict(list)
    for object_id, action in events:
        if action not in steps[int(object_id)]:
            steps[int(object_id)].append(action)
    return steps


def _changes(case: AlertCase, steps: list[str], since: datetime) -> list[Message]:
    """What is new on a case since the last meeting, in the order a person reads a case."""
    changes = [msg(STEP_WORDS[step]) for step in steps]
    for alert in case.alerts:
        title = RULES_BY_ID[alert.rule].title if alert.rule in RULES_BY_ID else alert.rule
        if alert.opened_at > since and alert.withdrawn_at is None and "case.open" not in steps:
            changes.append(msg(N_("new: {rule}"), rule=msg(title)))
        if alert.cleared_at is not None and alert.cleared_at > since:
            changes.append(msg(N_("cleared: {rule}"), rule=msg(title)))
    return changes


def _engagement_since_opened(session: Session, cases: list[AlertCase]) -> dict[int, list[CheckIn]]:
    """Per student, the check-ins since their case opened, with a baseline before, oldest first."""
    if not cases:
        return {}
    earliest = min(case.opened_at for case in cases)
    check_ins = session.scalars(
        select(CheckIn)
        .where(
            CheckIn.student_id.in_([case.student_id for case in cases]),
            CheckIn.withdrawn_at.is_(None),
            # A generous window for the baseline; each case is cut to its own below.
            CheckIn.recorded_at >= earliest - timedelta(days=120),
        )
        .order_by(CheckIn.recorded_at, CheckIn.id)
    ).all()
    by_student: dict[int, list[CheckIn]] = defaultdict(list)
    for check_in in check_ins:
        by_student[check_in.student_id].append(check_in)
    since_opened = {}
    for case in cases:
        own = by_student[case.student_id]
        before = [c for c in own if c.recorded_at < case.opened_at][-BASELINE_CHECK_INS:]
        since_opened[case.student_id] = before + [c for c in own if c.recorded_at >= case.opened_at]
    return since_opened


def _closed_since(session: Session, school: School, since: datetime, now: datetime) -> list[AlertRow]:
    rows = school_cases(
        session,
        school,
        AlertCase.status == AlertStatus.RESOLVED,
        AlertCase.resolved_at > since,
        AlertCase.resolved_at <= now,
        order_by=(AlertCase.resolved_at, AlertCase.id),
    )
    return [case_row(case, code, school) for case, code in rows]


def meeting_agenda(session: Session, actor: Member, now: datetime) -> Outcome:
    """The agenda for the EHT's weekly meeting: every open case by risk and age, with what changed."""
    require_role(actor, Role.EHT, Role.COORDINATOR)
    school = actor.school
    today = local_today(school, now)
    last_meeting = _last_meeting(session, school, now)
    since = last_meeting or now - FIRST_MEETING_LOOKS_BACK
    rows = open_case_rows(session, school, today)
    cases = {
        case.id: case
        for case in session.scalars(
            select(AlertCase)
            .where(AlertCase.id.in_([row.case_id for row in rows]))
            .options(selectinload(AlertCase.alerts), selectinload(AlertCase.plans))
        )
    }
    steps = _steps_since(session, list(cases), since, now)
    engagement = _engagement_since_opened(session, list(cases.values()))
    items = []
    for row in rows:
        case = cases[row.case_id]
        trend = engagement_trend(engagement[case.student_id], window=8)
        plan = kind_words(case.plan.kind) if case.plan is not None else None
        changes = _changes(case, steps[case.id], since)
        items.append(AgendaItem(row, trend.sparkline, trend.direction, changes, plan))
    record(session, actor, school.id, "agenda.show", "school", school.id, now)
    return Outcome(
        reply=[Agenda(school.timezone, last_meeting, items, _closed_since(session, school, since, now))]
    )
