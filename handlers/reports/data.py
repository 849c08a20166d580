"""What a report reads, as plain pseudonymous rows: the only way report data leaves the database.

Each student becomes a random id drawn for this report (`secrets`), so two reports cannot be
joined on it and no database id, code, name, mentor or note is ever selected. Dates are the
school's local dates, as people count months and terms. Queries take every school of the report
at once: six of them, however many schools and students there are.
"""

from __future__ import annotations

import secrets
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from handlers.early_warning import WITHDRAWN
from handlers.programme import organisation_name, school_name
from models import Alert, AlertCase, CheckIn, Mentorship, Organisation, Prompt, PromptStatus, School, Student
from models.attendance import RegisteredAttendance
from models.calendar import SchoolCalendar
from models.checkin import ENGAGEMENT_DIMENSIONS

# A student's first check-in may look back this far; months and terms need no more.
LOOK_BACK = timedelta(days=400)


class SchoolDays:
    """The school days of one school over a range of dates, counted in O(log n).

    The report asks how many school days lie between two check-ins tens of thousands of times;
    the calendar answers one day at a time, so its answers are taken once per day and kept.
    """

    def __init__(self, calendar: SchoolCalendar, first: date, last: date) -> None:
        self.first, self.last = first, last
        self._days = [
            ordinal
            for ordinal in range(first.toordinal(), last.toordinal() + 1)
            if calendar.is_school_day(date.fromordinal(ordinal))
        ]

    def between(self, start: date, end: date) -> int:
        """School days after `start`, up to and including `end` (as `SchoolCalendar` counts)."""
        if end <= start:
            return 0
        return bisect_right(self._days, end.toordinal()) - bisect_right(self._days, start.toordinal())

    def back(self, day: date, count: int) -> date:
        """The day before the earliest of the last `count` school days up to `day`."""
        index = bisect_right(self._days, day.toordinal()) - count
        if index <= 0:
            return self.first - timedelta(days=1)
        return date.fromordinal(self._days[index - 1])

    def forward(self, day: date, count: int) -> date:
        """The `count`th school day after `day`."""
        index = bisect_right(self._days, day.toordinal()) + count - 1
        if index >= len(self._days):
            return self.last
        return date.fromordinal(self._days[index])

    def is_school_day(self, day: date) -> bool:
        ordinal = day.toordinal()
        index = bisect_left(self._days, ordinal)
        return index < len(self._days) and self._days[index] == ordinal


@dataclass(frozen=True)
class StudentRow:
    id: str  # random, this report only
    # Registered on, and taken off the programme on (None: still in it).
    joined: date
    left: date | None
    # Each mentorship as (started on, ended on or None), oldest first.
    mentored: tuple[tuple[date, date | None], ...] = ()

    @property
    def started(self) -> date:
        """When the student's time in the programme began: the first mentorship, else registration."""
        return self.mentored[0][0] if self.mentored else self.joined


@dataclass(frozen=True)
class CheckInRow:
    student: str
    at: datetime  # UTC
    on: date  # local
    met: bool
    absent_days: int = 0
    absent_lessons: int = 0
    unexcused_days: int = 0
    unexcused_lessons: int = 0
    # In the order of ENGAGEMENT_DIMENSIONS; None when the mentor could not judge.
    ratings: tuple[int | None, ...] = (None, None, None, None)


@dataclass(frozen=True)
class RegisteredRow:
    """One school day as the school's own system registered it (the source imported last)."""

    student: str
    on: date
    offered: int  # minutes
    absent: int
    unexcused: int


@dataclass(frozen=True)
class PromptRow:
    student: str
    on: date  # the local date the cadence asked on
    answered: bool
    # From the prompt to the answer; None when unanswered (or the answer time is unknown).
    response_hours: float | None = None


@dataclass(frozen=True)
class AlertRow:
    student: str
    rule: str
    opened_at: datetime  # UTC
    opened_on: date
    acknowledged_on: date | None = None
    resolved_on: date | None = None
    outcome: str | None = None
    follow_up_on: date | None = None


@dataclass(frozen=True)
class SchoolData:
    name: str
    organisation: str
    school_days: SchoolDays
    students: tuple[StudentRow, ...] = ()
    check_ins: tuple[CheckInRow, ...] = ()
    prompts: tuple[PromptRow, ...] = ()
    alerts: tuple[AlertRow, ...] = ()
    registered: tuple[RegisteredRow, ...] = ()
    school_id: int | None = field(default=None, compare=False)

    def only(self, students: Collection[str]) -> SchoolData:
        """The same school with only these students' rows (tests: what a figure depends on)."""
        keep = set(students)
        return replace(
            self,
            students=tuple(s for s in self.students if s.id in keep),
            check_ins=tuple(c for c in self.check_ins if c.student in keep),
            prompts=tuple(p for p in self.prompts if p.student in keep),
            alerts=tuple(a for a in self.alerts if a.student in keep),
            registered=tuple(r for r in self.registered if r.student in keep),
        )


def local_bounds(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """From local midnight of `first` to local midnight after `last`, as UTC."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def load(session: Session, schools: Sequence[School], first: date, last: date) -> list[SchoolData]:
    """Every school's rows for a report on `first`..`last` (local dates, inclusive), pseudonymised.

    Check-ins are read from well before `first`: a student's own first month is the baseline their
    later months are compared with, and each check-in reports absence since the one before it.
    Registered days are read from the term before the earliest student started: the paired
    comparison's "before".
    """
    if not schools:
        return []
    ids = [school.id for school in schools]
    by_id = {school.id: school for school in schools}
    # A day either side of the local bounds covers every time zone; rows are cut locally below.
    start = datetime.combine(first, time(), tzinfo=UTC) - timedelta(days=1)
    end = datetime.combine(last + timedelta(days=2), time(), tzinfo=UTC)
    zones = {school.id: ZoneInfo(school.timezone) for school in schools}

    def on(school_id: int, moment: datetime | None) -> date | None:
        return None if moment is None else moment.astimezone(zones[school_id]).date()

    pseudonym: dict[int, str] = {}
    school_of: dict[int, int] = {}
    students: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    for student_id, school_id, created_at, deactivated_at in session.execute(
        select(Student.id, Student.school_id, Student.created_at, Student.deactivated_at)
        .where(
            Student.school_id.in_(ids),
            Student.created_at < end,
            or_(Student.deactivated_at.is_(None), Student.deactivated_at >= start),
            # Taken off the programme with no date kept: not in the report at all.
            or_(Student.active.is_(True), Student.deactivated_at.is_not(None)),
        )
        .order_by(Student.id)
    ):
        pseudonym[student_id] = secrets.token_hex(6)
        school_of[student_id] = school_id
        joined = on(school_id, created_at)
        assert joined is not None
        students[school_id].append((student_id, joined, on(school_id, deactivated_at)))

    mentored: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for student_id, started_at, ended_at in session.execute(
        select(Mentorship.student_id, Mentorship.started_at, Mentorship.ended_at)
        .join(Student, Student.id == Mentorship.student_id)
        .where(Student.school_id.in_(ids), Mentorship.started_at < end)
        .order_by(Mentorship.started_at, Mentorship.id)
    ):
        if student_id in pseudonym:
            school_id = school_of[student_id]
            started = on(school_id, started_at)
            assert started is not None
            mentored[student_id].append((started, on(school_id, ended_at)))

    check_ins: dict[int, list[CheckInRow]] = defaultdict(list)
    earliest = min(s for rows in students.values() for _, s, _ in rows) if students else first
    for row in session.execute(
        select(
            CheckIn.student_id,
            CheckIn.recorded_at,
            CheckIn.met,
            CheckIn.absent_days,
            CheckIn.absent_lessons,
            CheckIn.unexcused_days,
            CheckIn.unexcused_lessons,
            *(getattr(CheckIn, dimension) for dimension in ENGAGEMENT_DIMENSIONS),
        )
        .join(Student, Student.id == CheckIn.student_id)
        .where(
            Student.school_id.in_(ids),
            CheckIn.withdrawn_at.is_(None),
            CheckIn.recorded_at >= datetime.combine(min(earliest, first), time(), tzinfo=UTC) - LOOK_BACK,
            CheckIn.recorded_at < end,
        )
        .order_by(CheckIn.recorded_at, CheckIn.id)
    ):
        student_id, recorded_at, met, absent_days, absent_lessons, unexcused_days, unexcused_lessons = row[:7]
        if student_id not in pseudonym:
            continue
        school_id = school_of[student_id]
        local = on(school_id, recorded_at)
        assert local is not None
        check_ins[school_id].append(
            CheckInRow(
                pseudonym[student_id],
                recorded_at,
                local,
                met,
                absent_days,
                absent_lessons,
                unexcused_days,
                unexcused_lessons,
                tuple(row[7:]),
            )
        )

    prompts: dict[int, list[PromptRow]] = defaultdict(list)
    for student_id, local_date, status, due_at, sent_at, answered_at in session.execute(
        select(
            Mentorship.student_id,
            Prompt.local_date,
            Prompt.status,
            Prompt.due_at,
            Prompt.sent_at,
            Prompt.answered_at,
        )
        .join(Mentorship, Mentorship.id == Prompt.mentorship_id)
        .join(Student, Student.id == Mentorship.student_id)
        .where(
            Student.school_id.in_(ids),
            Prompt.local_date >= first,
            Prompt.local_date <= last,
            Prompt.status != PromptStatus.CANCELLED,
        )
        .order_by(Prompt.due_at, Prompt.id)
    ):
        if student_id not in pseudonym:
            continue
        answered = status == PromptStatus.ANSWERED
        asked = sent_at or due_at
        hours = (answered_at - asked).total_seconds() / 3600 if answered and answered_at else None
        prompts[school_of[student_id]].append(
            PromptRow(pseudonym[student_id], local_date, answered, None if hours is None else max(hours, 0.0))
        )

    # One row per rule a student crossed, with where its case stood: the team acknowledges and
    # resolves a student's case, so each rule in it was acknowledged when the case was (or, for a
    # rule that joined an acknowledged case, when it joined) and resolved with it.
    alerts: dict[int, list[AlertRow]] = defaultdict(list)
    for student_id, rule, opened_at, acknowledged_at, resolved_at, outcome, follow_up_on in session.execute(
        select(
            Alert.student_id,
            Alert.rule,
            Alert.opened_at,
            AlertCase.acknowledged_at,
            AlertCase.resolved_at,
            AlertCase.outcome,
            AlertCase.follow_up_on,
        )
        .join(AlertCase, AlertCase.id == Alert.case_id)
        .join(Student, Student.id == Alert.student_id)
        .where(
            Student.school_id.in_(ids),
            or_(
                and_(Alert.opened_at >= start, Alert.opened_at < end),
                and_(AlertCase.resolved_at >= start, AlertCase.resolved_at < end),
                and_(AlertCase.follow_up_on >= first, AlertCase.follow_up_on <= last),
            ),
            # Raised by a check-in its author took back: it no longer counts anywhere.
            Alert.withdrawn_at.is_(None),
            or_(AlertCase.outcome.is_(None), AlertCase.outcome != WITHDRAWN),
        )
        .order_by(Alert.opened_at, Alert.id)
    ):
        if student_id not in pseudonym:
            continue
        school_id = school_of[student_id]
        opened_on = on(school_id, opened_at)
        assert opened_on is not None
        if acknowledged_at is not None:
            acknowledged_at = max(acknowledged_at, opened_at)
        alerts[school_id].append(
            AlertRow(
                pseudonym[student_id],
                rule,
                opened_at,
                opened_on,
                on(school_id, acknowledged_at),
                on(school_id, resolved_at),
                outcome,
                follow_up_on,
            )
        )

    # A day two sources registered counts once, as the one imported last says (as the rules read it).
    joins = [s for rows in students.values() for _, s, _ in rows]
    first_start = min([first, *joins, *(s for m in mentored.values() for s, _ in m)])
    registered_by_day: dict[tuple[int, date], tuple[int, int, int]] = {}
    for student_id, day, offered, absent, unexcused in session.execute(
        select(
            RegisteredAttendance.student_id,
            RegisteredAttendance.day,
            RegisteredAttendance.offered_minutes,
            RegisteredAttendance.absent_minutes,
            RegisteredAttendance.unexcused_minutes,
        )
        .join(Student, Student.id == RegisteredAttendance.student_id)
        .where(
            Student.school_id.in_(ids),
            # The term before any start began on 1 August of the year before at the earliest.
            RegisteredAttendance.day >= date(first_start.year - 1, 8, 1),
            RegisteredAttendance.day <= last,
        )
        .order_by(RegisteredAttendance.imported_at, RegisteredAttendance.id)
    ):
        if student_id in pseudonym:
            registered_by_day[(student_id, day)] = (offered, absent, unexcused)
    registered: dict[int, list[RegisteredRow]] = defaultdict(list)
    for (student_id, day), minutes in sorted(registered_by_day.items()):
        registered[school_of[student_id]].append(RegisteredRow(pseudonym[student_id], day, *minutes))

    loaded = []
    for school_id in ids:
        school = by_id[school_id]
        rows = check_ins[school_id]
        days_from = min([first, *(c.on for c in rows[:1]), *(s for _, s, _ in students[school_id])])
        loaded.append(
            SchoolData(
                name=school_name(school),
                organisation=organisation_name(school.organisation),
                school_days=SchoolDays(
                    SchoolCalendar.for_school(school),
                    days_from - timedelta(days=21),
                    last + timedelta(days=21),
                ),
                students=tuple(
                    StudentRow(pseudonym[s], joined, left, tuple(mentored[s]))
                    for s, joined, left in students[school_id]
                ),
                check_ins=tuple(rows),
                prompts=tuple(prompts[school_id]),
                alerts=tuple(alerts[school_id]),
                registered=tuple(registered[school_id]),
                school_id=school_id,
            )
        )
    return loaded


def schools_with_breaks(session: Session, ids: Sequence[int] | None = None) -> list[School]:
    """Schools (all, or these) with their organisation and breaks, by organisation and name."""
    query = (
        select(School)
        .join(School.organisation)
        .options(selectinload(School.breaks), selectinload(School.organisation))
        .order_by(Organisation.name, Organisation.id, School.name, School.id)
    )
    if ids is not None:
        query = query.where(School.id.in_(ids))
    return list(session.scalars(query))
