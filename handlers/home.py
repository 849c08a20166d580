"""The at-a-glance overview (Slack's App Home, a Teams personal tab): a mentor's caseload with
trends and open alerts; for coordinators also the school: unassigned students, overdue check-ins,
open alerts. The student health team sees the school's open alerts only: the overview shows each
person no more than the access matrix lets them ask for (handlers/access.py, README).
Read-only: it changes nothing and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.alerts import open_case_rows
from handlers.results import AlertRow, Outcome
from models import Alert, AlertCase, AlertStatus, CheckIn, Member, Mentorship, Role, Student
from models.trends import Direction, engagement_trend

TREND_WINDOW = 6


@dataclass(frozen=True)
class CaseloadRow:
    code: str
    label: str
    last_check_in_at: datetime | None
    last_met: bool | None
    next_due_at: datetime | None
    sparkline: str
    direction: Direction
    # The rules the student's open case crosses now (0: no open case).
    open_alerts: int


@dataclass(frozen=True)
class OverdueRow:
    code: str
    mentor_user_id: str
    due_at: datetime


@dataclass(frozen=True)
class SchoolOverview:
    open_alerts: list[AlertRow]
    # Only for coordinators, who may list all students (None: not theirs to see).
    unassigned: list[str] | None = None
    overdue: list[OverdueRow] | None = None


@dataclass(frozen=True)
class HomeSummary:
    timezone: str
    caseload: list[CaseloadRow]
    # Only for coordinators, and for EHT, who see the open alerts of the school.
    school: SchoolOverview | None = None
    roles: list[str] = field(default_factory=list)


def home(session: Session, actor: Member, now: datetime) -> Outcome:
    caseload = [_caseload_row(session, m) for m in _active_mentorships(session, actor)]
    school = None
    if actor.has_role(Role.COORDINATOR) or actor.has_role(Role.EHT):
        school = _school_overview(session, actor, now)
    summary = HomeSummary(actor.school.timezone, caseload, school, [r.value for r in actor.roles])
    return Outcome(reply=[summary])


def _active_mentorships(session: Session, actor: Member) -> list[Mentorship]:
    return list(
        session.scalars(
            select(Mentorship)
            .join(Student)
            .where(Mentorship.mentor_id == actor.id, Mentorship.ended_at.is_(None), Student.active.is_(True))
            .order_by(Student.code)
        )
    )


def _caseload_row(session: Session, mentorship: Mentorship) -> CaseloadRow:
    student = mentorship.student
    recent = list(
        session.scalars(
            select(CheckIn)
            .where(CheckIn.student_id == student.id, CheckIn.withdrawn_at.is_(None))
            .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
            .limit(TREND_WINDOW)
        )
    )
    trend = engagement_trend(list(reversed(recent)), TREND_WINDOW)
    alerts = session.scalar(
        select(func.count())
        .select_from(Alert)
        .join(AlertCase, AlertCase.id == Alert.case_id)
        .where(
            AlertCase.student_id == student.id,
            AlertCase.status != AlertStatus.RESOLVED,
            Alert.cleared_at.is_(None),
            Alert.withdrawn_at.is_(None),
        )
    )
    last = recent[0] if recent else None
    return CaseloadRow(
        code=student.code,
        label=f"{student.code} {student.display_name}".strip(),
        last_check_in_at=last.recorded_at if last else None,
        last_met=last.met if last else None,
        next_due_at=mentorship.next_due_at,
        sparkline=trend.sparkline,
        direction=trend.direction,
        open_alerts=alerts or 0,
    )


def _school_overview(session: Session, actor: Member, now: datetime) -> SchoolOverview:
    open_alerts: list[AlertRow] = open_case_rows(session, actor.school)
    if not actor.has_role(Role.COORDINATOR):
        return SchoolOverview(open_alerts)
    # NOT EXISTS, correlated per student: it grows with this school, not with every mentorship.
    has_mentor = (
        select(Mentorship.id)
        .where(Mentorship.student_id == Student.id, Mentorship.ended_at.is_(None))
        .exists()
    )
    unassigned = session.scalars(
        select(Student.code)
        .where(
            Student.school_id == actor.school_id,
            Student.active.is_(True),
            ~has_mentor,
        )
        .order_by(Student.code)
    ).all()
    overdue = session.execute(
        select(Student.code, Member.user_id, Mentorship.next_due_at)
        .join(Mentorship, Mentorship.student_id == Student.id)
        .join(Member, Member.id == Mentorship.mentor_id)
        .where(
            Student.school_id == actor.school_id,
            Student.active.is_(True),
            Mentorship.ended_at.is_(None),
            Mentorship.next_due_at < now,
        )
        .order_by(Mentorship.next_due_at)
    ).all()
    return SchoolOverview(
        open_alerts,
        unassigned=list(unassigned),
        overdue=[OverdueRow(code, user, due) for code, user, due in overdue],
    )
