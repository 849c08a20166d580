"""The at-a-glance overview (Slack's App Home, a Teams personal tab): a mentor's caseload with
trends and open alerts; for coordinators also the school: unassigned students, overdue check-ins,
open alerts. The student health team sees the school's open alerts only: the overview shows each
person no more than the access matrix lets them ask for (handlers/access.py, README).
Read-only: it changes nothing and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session, contains_eager

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
    caseload = _caseload(session, actor)
    school = None
    if actor.has_role(Role.COORDINATOR) or actor.has_role(Role.EHT):
        school = _school_overview(session, actor, now)
    summary = HomeSummary(actor.school.timezone, caseload, school, [r.value for r in actor.roles])
    return Outcome(reply=[summary])


def _caseload(session: Session, actor: Member) -> list[CaseloadRow]:
    """The mentor's active mentees, each with its trend and open alerts, in two statements however
    many mentees: the mentorships with their students and alert counts, then every mentee's latest
    check-ins at once."""
    mentorships = session.execute(_MENTORSHIPS, {"mentor_id": actor.id}).all()
    recent: dict[int, list[_Recent]] = {}
    for row in session.execute(_RECENT, {"mentor_id": actor.id}):
        recent.setdefault(row.student_id, []).append(_Recent(*row))
    return [_caseload_row(m, recent.get(m.student_id, []), alerts) for m, alerts in mentorships]


class _Recent(NamedTuple):
    """What the caseload reads of a check-in: when, whether they met, the ratings; never its text."""

    student_id: int
    recorded_at: datetime
    met: bool
    behavioural: int | None
    academic: int | None
    cognitive: int | None
    affective: int | None

    def rating(self, dimension: str) -> int | None:
        return cast(int | None, getattr(self, dimension))


def _caseload_statements() -> tuple[Select[Any], Select[Any]]:
    """Built once, run with the mentor's id: their active mentorships with each student and its
    count of open alerts, and each of their mentees' latest `TREND_WINDOW` check-ins that count,
    oldest first."""
    open_alerts = (
        select(func.count())
        .select_from(Alert)
        .join(AlertCase, AlertCase.id == Alert.case_id)
        .where(
            AlertCase.student_id == Student.id,
            AlertCase.status != AlertStatus.RESOLVED,
            Alert.cleared_at.is_(None),
            Alert.withdrawn_at.is_(None),
        )
        .scalar_subquery()
    )
    active = (Mentorship.mentor_id == bindparam("mentor_id", type_=Integer), Mentorship.ended_at.is_(None))
    mentorships = (
        select(Mentorship, open_alerts)
        .join(Student)
        .options(contains_eager(Mentorship.student))
        .where(*active, Student.active.is_(True))
        .order_by(Student.code)
    )
    ranked = (
        select(
            *(getattr(CheckIn, column) for column in _Recent._fields),
            func.row_number()
            .over(partition_by=CheckIn.student_id, order_by=(CheckIn.recorded_at.desc(), CheckIn.id.desc()))
            .label("newest"),
        )
        .join(Mentorship, Mentorship.student_id == CheckIn.student_id)
        .where(*active, CheckIn.withdrawn_at.is_(None))
        .subquery()
    )
    recent = (
        select(*(ranked.c[column] for column in _Recent._fields))
        .where(ranked.c.newest <= TREND_WINDOW)
        .order_by(ranked.c.student_id, ranked.c.newest.desc())
    )
    return mentorships, recent


_MENTORSHIPS, _RECENT = _caseload_statements()


def _caseload_row(mentorship: Mentorship, recent: list[_Recent], alerts: int) -> CaseloadRow:
    student = mentorship.student
    trend = engagement_trend(recent, TREND_WINDOW)
    last = recent[-1] if recent else None
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
