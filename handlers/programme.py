"""Programme level: what the regional project lead sees of each school, in numbers only.

The programme's lead follows some forty schools in twenty municipalities, across organisations,
and has no business with any one child: no codes, names, mentors or notes reach them, only counts,
rates and medians per school. A number computed from a handful of children can still point at
one of them (the one school where two students were referred), so every figure based on fewer than
`MIN_STUDENTS` distinct students is withheld (`None`, shown as "< 5"), zero included: "< 5" never
tells none from a few. A school with fewer than `MIN_STUDENTS` students in the programme shows its
name and "< 5" only.

The figures cover a period, the `days` before `now`, and compare attendance and engagement with
the `days` before that. They are read with a fixed handful of queries whatever the number of
students (medians are taken in Python, as SQLite has no percentile function), and only columns
are read: free text is never loaded, let alone decrypted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from handlers.actors import configured_for
from handlers.checkins import DIRECTION_WORDS
from handlers.early_warning import OUTCOME_WORDS, WITHDRAWN
from handlers.results import Outcome
from models import AlertCase, CheckIn, Mentorship, Organisation, Person, School, Student
from models.calendar import SchoolCalendar
from models.checkin import ENGAGEMENT_DIMENSIONS
from models.messages import N_, Message, Refused, listing, msg
from models.trends import MEAN_STEP, Direction

# No figure from fewer distinct students than this is ever shown.
MIN_STUDENTS = 5
# An alert counts as acknowledged in time when it was acknowledged within this many school days.
ACKNOWLEDGE_SCHOOL_DAYS = 2
# The check-in rate is per month of this many days (with the default period: per period).
MONTH_DAYS = 30
# A change of half a day in the median absence per check-in is a direction, as half a point in
# the engagement median is (models/trends.py).
ABSENCE_STEP = 0.5
# The order outcomes are shown in; an outcome the code no longer knows counts as "other".
OUTCOMES = tuple(OUTCOME_WORDS)

SUPPRESSED = msg(N_("< 5"))

T = TypeVar("T")


@dataclass(frozen=True)
class SchoolFigures:
    """One school's figures; each is None when fewer than `MIN_STUDENTS` students are behind it.

    Medians are per check-in: absent days since the previous check-in, and engagement as the mean
    of the four rated dimensions (1-5, as in models/trends.py); `_before` is the previous period.
    A trend is the direction of attendance (fewer absent days: up) or of engagement. Decimals are
    rounded to one place, as they are shown.
    """

    organisation: str
    school: str
    # Active students; None: fewer than MIN_STUDENTS, and then every other figure is None too.
    students: int | None = None
    mentorships: int | None = None
    check_ins_per_student_month: float | None = None
    alerts_raised: int | None = None
    acknowledged_in_time: int | None = None
    # Alerts resolved in the period, per outcome (every outcome listed when the school is shown).
    resolved: dict[str, int | None] = field(default_factory=dict)
    absent_days: float | None = None
    absent_days_before: float | None = None
    attendance_trend: Direction | None = None
    engagement: float | None = None
    engagement_before: float | None = None
    engagement_trend: Direction | None = None

    @property
    def suppressed(self) -> bool:
        """Fewer than MIN_STUDENTS students: only the school's name may be shown."""
        return self.students is None


class _CheckInRow(NamedTuple):
    school_id: int
    student_id: int
    recorded_at: datetime
    absent_days: int
    ratings: tuple[int | None, ...]


class _AlertRow(NamedTuple):
    school_id: int
    student_id: int
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    outcome: str | None


def programme_figures(session: Session, now: datetime, *, days: int = 30) -> list[SchoolFigures]:
    """Every school of every organisation, by organisation and school name: the `days` before `now`.

    Six queries, however many schools and students there are.
    """
    start = now - timedelta(days=days)
    before = start - timedelta(days=days)
    schools = session.scalars(
        select(School)
        .join(School.organisation)
        .options(contains_eager(School.organisation), selectinload(School.breaks))
        .order_by(Organisation.name, Organisation.id, School.name, School.id)
    ).all()
    students = dict(
        session.execute(
            select(Student.school_id, func.count(Student.id))
            .where(Student.active.is_(True))
            .group_by(Student.school_id)
        ).all()
    )
    mentorships = dict(
        session.execute(
            select(Student.school_id, func.count(func.distinct(Mentorship.student_id)))
            .join(Student, Student.id == Mentorship.student_id)
            .where(Mentorship.ended_at.is_(None), Student.active.is_(True))
            .group_by(Student.school_id)
        ).all()
    )
    check_ins: dict[int, list[_CheckInRow]] = defaultdict(list)
    for school_id, student_id, recorded_at, absent_days, *ratings in session.execute(
        select(
            Student.school_id,
            CheckIn.student_id,
            CheckIn.recorded_at,
            CheckIn.absent_days,
            *(getattr(CheckIn, dimension) for dimension in ENGAGEMENT_DIMENSIONS),
        )
        .join(Student, Student.id == CheckIn.student_id)
        .where(
            Student.active.is_(True),
            CheckIn.withdrawn_at.is_(None),
            CheckIn.recorded_at >= before,
            CheckIn.recorded_at < now,
        )
    ):
        check_ins[school_id].append(
            _CheckInRow(school_id, student_id, recorded_at, absent_days, tuple(ratings))
        )
    # One case per student: what the team gets, acknowledges and closes.
    alerts: dict[int, list[_AlertRow]] = defaultdict(list)
    for row in session.execute(
        select(
            Student.school_id,
            AlertCase.student_id,
            AlertCase.opened_at,
            AlertCase.acknowledged_at,
            AlertCase.resolved_at,
            AlertCase.outcome,
        )
        .join(Student, Student.id == AlertCase.student_id)
        .where(
            or_(
                and_(AlertCase.opened_at >= start, AlertCase.opened_at < now),
                and_(AlertCase.resolved_at >= start, AlertCase.resolved_at < now),
            ),
            # Raised by a check-in its author took back: it no longer counts anywhere.
            or_(AlertCase.outcome.is_(None), AlertCase.outcome != WITHDRAWN),
        )
    ):
        alerts[row[0]].append(_AlertRow(*row))
    return [
        _figures(
            school,
            students.get(school.id, 0),
            mentorships.get(school.id, 0),
            check_ins[school.id],
            alerts[school.id],
            start,
            now,
            days,
        )
        for school in schools
    ]


def _figures(
    school: School,
    students: int,
    mentorships: int,
    check_ins: Sequence[_CheckInRow],
    alerts: Sequence[_AlertRow],
    start: datetime,
    now: datetime,
    days: int,
) -> SchoolFigures:
    organisation, name = organisation_name(school.organisation), school_name(school)
    if students < MIN_STUDENTS:
        return SchoolFigures(organisation, name)
    recent = [c for c in check_ins if c.recorded_at >= start]
    earlier = [c for c in check_ins if c.recorded_at < start]
    rated_recent = [(c, score) for c in recent if (score := _engagement(c.ratings)) is not None]
    rated_earlier = [(c, score) for c in earlier if (score := _engagement(c.ratings)) is not None]
    # Rounded before they are compared (_median): the trend's word must match the numbers shown.
    absent = _median([c.absent_days for c in recent], [c.student_id for c in recent])
    absent_before = _median([c.absent_days for c in earlier], [c.student_id for c in earlier])
    engaged = _median([s for _, s in rated_recent], [c.student_id for c, _ in rated_recent])
    engaged_before = _median([s for _, s in rated_earlier], [c.student_id for c, _ in rated_earlier])

    raised = [a for a in alerts if start <= a.opened_at < now]
    calendar = SchoolCalendar.for_school(school)
    zone = ZoneInfo(school.timezone)
    in_time = [
        a
        for a in raised
        if a.acknowledged_at is not None
        and calendar.school_days_between(
            a.opened_at.astimezone(zone).date(), a.acknowledged_at.astimezone(zone).date()
        )
        <= ACKNOWLEDGE_SCHOOL_DAYS
    ]
    resolved: dict[str, list[int]] = {outcome: [] for outcome in OUTCOMES}
    for a in alerts:
        if a.resolved_at is not None and start <= a.resolved_at < now:
            resolved[a.outcome if a.outcome in resolved else "other"].append(a.student_id)

    months = days / MONTH_DAYS
    return SchoolFigures(
        organisation,
        name,
        students=students,
        # Counted per distinct student in SQL.
        mentorships=mentorships if mentorships >= MIN_STUDENTS else None,
        check_ins_per_student_month=_shown(
            round(len(recent) / students / months, 1), [c.student_id for c in recent]
        ),
        alerts_raised=_shown(len(raised), [a.student_id for a in raised]),
        acknowledged_in_time=_shown(len(in_time), [a.student_id for a in in_time]),
        resolved={outcome: _shown(len(ids), ids) for outcome, ids in resolved.items()},
        absent_days=absent,
        absent_days_before=absent_before,
        # Fewer absent days is better attendance: up.
        attendance_trend=_direction(absent_before, absent, ABSENCE_STEP, lower_is_better=True),
        engagement=engaged,
        engagement_before=engaged_before,
        engagement_trend=_direction(engaged_before, engaged, MEAN_STEP),
    )


def organisation_name(organisation: Organisation) -> str:
    return organisation.name or f"{organisation.platform}/{organisation.workspace_id}"


def school_name(school: School) -> str:
    return school.name or f"{school.platform}/{school.workspace_id}"


def _shown(value: T, students: Iterable[int]) -> T | None:
    """The value, or None when fewer than MIN_STUDENTS distinct students are behind it."""
    return value if len(set(students)) >= MIN_STUDENTS else None


def _median(values: Sequence[float], students: Collection[int]) -> float | None:
    """The median to one decimal, as shown."""
    return _shown(round(float(median(values)), 1), students) if values else None


def _engagement(ratings: Sequence[int | None]) -> float | None:
    """The mean of the rated dimensions, as `models.trends.engagement` takes it of a check-in."""
    rated = [r for r in ratings if r is not None]
    return sum(rated) / len(rated) if rated else None


def _direction(
    earlier: float | None, later: float | None, step: float, lower_is_better: bool = False
) -> Direction | None:
    if earlier is None or later is None:
        return None
    change = earlier - later if lower_is_better else later - earlier
    if change >= step:
        return Direction.UP
    if change <= -step:
        return Direction.DOWN
    return Direction.STEADY


def leads_programme(session: Session, person: Person, leads: frozenset[str]) -> bool:
    """Named in MENTORBOT_PROGRAMME_LEADS, as `WORKSPACE:USER` or as a bare user id."""
    organisation = session.get(Organisation, person.organisation_id)
    return organisation is not None and configured_for(organisation.workspace_id, person.user_id, leads)


def show_programme(session: Session, person: Person, now: datetime, *, leads: frozenset[str]) -> Outcome:
    """The programme figures per school, for the programme's project leads only."""
    if not leads_programme(session, person, leads):
        raise Refused(N_("Only the programme's project leads can see the programme figures."))
    days = 30
    figures = programme_figures(session, now, days=days)
    if not figures:
        return Outcome(reply=[msg(N_("No schools in the programme yet."))])
    header = msg(
        N_(
            "Programme figures per school, the last {days} days against the {days} days before. "
            'No student is named; "< 5": fewer than 5 students behind the figure, not shown.'
        ),
        days=days,
    )
    return Outcome(reply=[header, *(school_line(f) for f in figures)])


def school_line(figures: SchoolFigures) -> Message:
    """One school as one line of text, which every platform shows as it is."""
    if figures.suppressed:
        return msg(
            N_("{organisation} · {school}: < 5 students"),
            organisation=figures.organisation,
            school=figures.school,
        )
    outcomes = listing(
        Message("{outcome} ({count})", {"outcome": msg(OUTCOME_WORDS[outcome]), "count": _cell(count)})
        for outcome, count in figures.resolved.items()
    )
    return msg(
        N_(
            "{organisation} · {school}: {students} students, {mentorships} with an active mentor; "
            "{check_ins} check-ins per student a month; {alerts} alerts, {acknowledged} acknowledged "
            "within 2 school days; resolved: {outcomes}; absent days per check-in (median) {absence}, "
            "before {absence_before}, {attendance}; engagement 1-5 (median) {engagement}, before "
            "{engagement_before}, {engagement_trend}"
        ),
        organisation=figures.organisation,
        school=figures.school,
        students=_cell(figures.students),
        mentorships=_cell(figures.mentorships),
        check_ins=_cell(figures.check_ins_per_student_month),
        alerts=_cell(figures.alerts_raised),
        acknowledged=_cell(figures.acknowledged_in_time),
        outcomes=outcomes,
        absence=_cell(figures.absent_days),
        absence_before=_cell(figures.absent_days_before),
        attendance=_trend(figures.attendance_trend),
        engagement=_cell(figures.engagement),
        engagement_before=_cell(figures.engagement_before),
        engagement_trend=_trend(figures.engagement_trend),
    )


def _cell(value: int | float | None) -> int | float | Message:
    # Floats are written the reader's way at the edge (1,5 in Swedish).
    return SUPPRESSED if value is None else value


def _trend(direction: Direction | None) -> Message:
    return SUPPRESSED if direction is None else msg(DIRECTION_WORDS[direction])
