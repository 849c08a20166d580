"""The report's figures, computed from pseudonymous rows: pure, no I/O, the same for every renderer.

Two steps. First each student's own facts, per school (its calendar counts the school days a
check-in covers): absence per month and term, engagement, contacts, prompts, the student's own
first month as the baseline later months are compared with. Then the facts of any group of
students (a school, or the whole programme) are aggregated into `Figure`s: one number each, with
the students behind it.

Privacy is applied here, once, for every output. A figure is withheld (value None, shown "< 5")
when fewer than `MIN_STUDENTS` distinct students are behind it, or behind the part it counts (the
students at 15 % absence or more, not only the students with an estimate). Zero is withheld too:
"< 5" never tells none from a few. Figures that split a shown total (outcomes, directions,
nested absence levels) are withheld further until what could be worked out by subtraction is
again nobody or at least `MIN_STUDENTS` students.

Attendance is estimated from what mentors log: absent days (and lessons, at 1/6 of a day) since
the previous check-in, over the school days that span covers, as the attendance rule does
(models/rules.py). It is not the school's registered offered time, which mentorbot does not have
yet; a check-in's whole span counts in the month it was logged.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from functools import cached_property

from handlers.programme import ACKNOWLEDGE_SCHOOL_DAYS, MIN_STUDENTS, MONTH_DAYS, OUTCOMES
from handlers.reports.data import AlertRow, CheckInRow, SchoolData, StudentRow
from models.checkin import ENGAGEMENT_DIMENSIONS
from models.rules import FIRST_PERIOD, LESSONS_PER_DAY, MIN_COVERED
from models.trends import MEAN_STEP

# Absence levels the municipalities compare (the share of students at or above each).
ABSENCE_LEVELS = (10, 15, 20)
# A student's own first month in the programme: the baseline later months are compared with.
BASELINE_DAYS = 30
# Stories: a case's student, the month before the case was opened against the two months after.
BEFORE_DAYS = 30
AFTER_DAYS = 60
# "Clearly" upward: a whole point of engagement (1-5), or a day fewer absent per check-in.
CLEAR_ENGAGEMENT = Fraction(1)
CLEAR_ABSENCE = Fraction(1)
# A follow-up is kept when the student had a check-in with contact within a school week of its date.
FOLLOW_UP_SCHOOL_DAYS = 5
ALL = "all"
TOTAL = ""  # the breakdown of a figure that covers every rule, outcome or level

SECTIONS = ("overview", "attendance", "engagement", "dosage", "early_warning", "stories")
DIRECTIONS = ("improving", "stable", "declining")
STORY_PARTS = ("turned_up", "no_clear_change", "turned_down")


@dataclass(frozen=True)
class Period:
    key: str  # "2026-09" a month, "2026-autumn" a term, "all" the whole report
    kind: str  # "month", "term" or "all"
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


def months(first: date, last: date) -> list[Period]:
    """The calendar months of the report, cut to it at either end."""
    found, start = [], first
    while start <= last:
        next_month = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(next_month - timedelta(days=1), last)
        found.append(Period(f"{start:%Y-%m}", "month", start, end))
        start = next_month
    return found


def terms(first: date, last: date) -> list[Period]:
    """The school terms of the report: autumn from August to December, spring January to July."""
    found, start = [], first
    while start <= last:
        autumn = start.month >= 8
        end = date(start.year, 12, 31) if autumn else date(start.year, 7, 31)
        key = f"{start.year}-{'autumn' if autumn else 'spring'}"
        found.append(Period(key, "term", start, min(end, last)))
        start = end + timedelta(days=1)
    return found


@dataclass(frozen=True)
class Figure:
    """One number of the report. `value` None: withheld, shown as "< 5".

    `students` is how many distinct students are behind it (0 when withheld); `basis` and `group`
    are those students and the ones it counts, kept for checks, never rendered.
    """

    section: str
    name: str
    period: str
    breakdown: str = TOTAL
    school: str = ""  # "" the whole report (one school's report names the school)
    value: int | float | None = None
    students: int = 0
    unit: str = "count"  # count, percent, decimal, hours, days, points
    basis: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    group: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.school, self.section, self.name, self.breakdown, self.period)

    @property
    def shown(self) -> bool:
        return self.value is not None

    def withheld(self) -> Figure:
        return replace(self, value=None, students=0)


def rounded(value: Fraction | float | int, places: int = 1) -> float:
    """To `places` decimals, halves away from zero, as a person rounds (exact: no 0.1 + 0.2)."""
    exact = Fraction(value) * 10**places
    whole = math.floor(abs(exact) + Fraction(1, 2))
    return math.copysign(whole, exact) / 10**places if whole else 0.0


def figure(
    section: str,
    name: str,
    period: str,
    value: Fraction | float | int | None,
    basis: Iterable[str],
    *,
    unit: str = "count",
    breakdown: str = TOTAL,
    group: Iterable[str] | None = None,
) -> Figure:
    """A figure, withheld when fewer than MIN_STUDENTS students are behind it or behind its part."""
    behind = frozenset(basis)
    counted = behind if group is None else frozenset(group)
    shown = value is not None and len(behind) >= MIN_STUDENTS and len(counted) >= MIN_STUDENTS
    if not shown or value is None:
        return Figure(section, name, period, breakdown, unit=unit, basis=behind, group=counted)
    number: int | float = value if unit == "count" and isinstance(value, int) else rounded(value)
    return Figure(section, name, period, breakdown, "", number, len(behind), unit, behind, counted)


def protect_partition(total: Figure | None, parts: list[Figure]) -> list[Figure]:
    """Parts of a total: when one is withheld, withhold more until the withheld parts together hold
    at least MIN_STUDENTS students.

    Otherwise the total (or 100 %) minus the shown parts would tell what a withheld part hid, even
    that it held nobody: "< 5" never tells none from a few.
    """
    if total is not None and not total.shown:
        return [p.withheld() for p in parts]
    result = list(parts)
    if all(p.shown for p in result):
        return result
    hidden = frozenset().union(*(p.group for p in parts if not p.shown))
    while len(hidden) < MIN_STUDENTS:
        shown = [i for i, p in enumerate(result) if p.shown]
        if not shown:
            break
        # The smallest goes; of equals the later one, so "improving" and "turned upward" stay longest.
        smallest = min(shown, key=lambda i: (len(result[i].group), -i))
        hidden |= result[smallest].group
        result[smallest] = result[smallest].withheld()
    return result


def protect_nested(population: Figure, levels: list[Figure]) -> list[Figure]:
    """Levels each inside the one before (>= 10 %, >= 15 %, >= 20 %): what lies between two shown
    levels, and between the population and the first, must be at least MIN_STUDENTS students.

    A level is withheld otherwise, even when the difference is nobody (everyone at 10 % or more
    is no less telling about each of them than four of them)."""
    if not population.shown:
        return [level.withheld() for level in levels]
    result, previous = [], population.group
    for level in levels:
        if level.shown and len(previous - level.group) < MIN_STUDENTS:
            level = level.withheld()
        if level.shown:
            previous = level.group
        result.append(level)
    return result


# --- Each student's facts ------------------------------------------------------------------------


@dataclass
class StudentFacts:
    """What one student contributes to the figures, per period key."""

    id: str
    in_programme: set[str] = field(default_factory=set)
    mentored: set[str] = field(default_factory=set)
    # Estimated absence and unexcused absence as shares of the school days covered (at least 5).
    absence: dict[str, tuple[Fraction, Fraction]] = field(default_factory=dict)
    baseline_absence: Fraction | None = None
    # Per term, from check-ins after the baseline month: paired with the baseline.
    absence_after: dict[str, Fraction] = field(default_factory=dict)
    # The student's mean per dimension, and of the check-ins' engagement (mean of rated dimensions).
    ratings: dict[str, dict[str, Fraction]] = field(default_factory=lambda: defaultdict(dict))
    engagement: dict[str, Fraction] = field(default_factory=dict)
    # Against the student's own first month: +1 improving, 0 stable, -1 declining.
    direction: dict[str, int] = field(default_factory=dict)
    check_ins: Counter[str] = field(default_factory=Counter)
    met: Counter[str] = field(default_factory=Counter)
    prompts: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    response_hours: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # Stories: a case opened in the report; followed (check-ins before and after); which way.
    case: bool = False
    story: str | None = None  # one of STORY_PARTS when followed


@dataclass(frozen=True)
class AlertFact:
    student: str
    rule: str
    raised: bool  # opened within the report
    acknowledge_days: int | None  # school days from opened to acknowledged, when raised
    resolved: bool  # resolved within the report
    outcome: str  # an OUTCOMES id (unknown ones as "other")


@dataclass(frozen=True)
class FollowUpFact:
    student: str
    kept: bool


@dataclass(frozen=True)
class GroupFacts:
    students: list[StudentFacts]
    alerts: list[AlertFact]
    follow_ups: list[FollowUpFact]


def _engagement(ratings: Sequence[int | None]) -> Fraction | None:
    rated = [r for r in ratings if r is not None]
    return Fraction(sum(rated), len(rated)) if rated else None


def _mean(values: Sequence[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def _in_programme(student: StudentRow, period: Period) -> bool:
    return student.joined <= period.last and (student.left is None or student.left >= period.first)


def _mentored(student: StudentRow, period: Period) -> bool:
    return any(
        started <= period.last and (ended is None or ended >= period.first)
        for started, ended in student.mentored
    )


class _Absence:
    """Absent time over covered school days, summed over check-ins, in sixths of a day (exact)."""

    __slots__ = ("absent", "covered", "unexcused")

    def __init__(self) -> None:
        self.absent, self.unexcused, self.covered = 0, 0, 0

    def add(self, absent: int, unexcused: int, covered: int) -> None:
        self.absent += absent
        self.unexcused += unexcused
        self.covered += covered

    def rates(self) -> tuple[Fraction, Fraction] | None:
        if self.covered < MIN_COVERED:
            return None
        whole = LESSONS_PER_DAY * self.covered
        return Fraction(min(self.absent, whole), whole), Fraction(min(self.unexcused, whole), whole)


# A check-in's engagement (the mean of its rated dimensions) times 12 is a whole number: 12 is
# divisible by every count of rated dimensions, so sums of it stay exact and fast.
_TWELFTHS = 12


def _engagement_twelfths(ratings: Sequence[int | None]) -> int | None:
    rated = [r for r in ratings if r is not None]
    return sum(rated) * _TWELFTHS // len(rated) if rated else None


def _period_keys(periods: Sequence[Period]) -> Callable[[date], tuple[str, ...]]:
    """For a day, the keys of the periods that contain it (its month, its term, the report)."""
    keys: dict[date, list[str]] = defaultdict(list)
    for period in periods:
        for n in range(period.days):
            keys[period.first + timedelta(days=n)].append(period.key)
    frozen = {day: tuple(found) for day, found in keys.items()}
    return lambda day: frozen.get(day, ())


def school_facts(school: SchoolData, periods: Sequence[Period], report: Period) -> GroupFacts:
    """Each student's facts in one school, and its alerts and follow-ups within `report`."""
    days = school.school_days
    keys_of = _period_keys(periods)
    terms_of = {p.key for p in periods if p.kind == "term"}
    check_ins: dict[str, list[CheckInRow]] = defaultdict(list)
    for check_in in sorted(school.check_ins, key=lambda c: c.at):
        check_ins[check_in.student].append(check_in)
    prompts = defaultdict(list)
    for prompt in school.prompts:
        prompts[prompt.student].append(prompt)
    first_case: dict[str, AlertRow] = {}
    for alert in sorted(school.alerts, key=lambda a: a.opened_at):
        if alert.opened_on in report:
            first_case.setdefault(alert.student, alert)

    facts = []
    for student in school.students:
        own = StudentFacts(student.id)
        facts.append(own)
        own.in_programme = {p.key for p in periods if _in_programme(student, p)}
        own.mentored = {p.key for p in periods if _mentored(student, p)}
        inside = own.in_programme
        baseline_end = student.started + timedelta(days=BASELINE_DAYS)
        history = check_ins[student.id]

        absence: dict[str, _Absence] = defaultdict(_Absence)
        baseline, after = _Absence(), defaultdict(_Absence)
        dimension_sums: dict[str, list[int]] = defaultdict(lambda: [0] * 8)  # 4 sums, then 4 counts
        engaged: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # twelfths, check-ins
        engaged_later: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        base_sum = base_count = 0
        previous: date | None = None
        for check_in in history:
            # Each check-in reports absence since the one before it: it covers those school days.
            since = previous if previous is not None else days.back(check_in.on, FIRST_PERIOD)
            covered = days.between(since, check_in.on)
            previous = check_in.on
            absent = _sixths(check_in)
            unexcused = check_in.unexcused_days * LESSONS_PER_DAY + check_in.unexcused_lessons
            score = _engagement_twelfths(check_in.ratings)
            in_baseline = student.started <= check_in.on < baseline_end
            if in_baseline:
                baseline.add(absent, unexcused, covered)
                if score is not None:
                    base_sum, base_count = base_sum + score, base_count + 1
            for key in keys_of(check_in.on):
                if key not in inside:
                    continue
                absence[key].add(absent, unexcused, covered)
                later = check_in.on >= baseline_end
                if later and key in terms_of:
                    after[key].add(absent, unexcused, covered)
                sums = dimension_sums[key]
                for n, rating in enumerate(check_in.ratings):
                    if rating is not None:
                        sums[n] += rating
                        sums[4 + n] += 1
                if score is not None:
                    engaged[key][0] += score
                    engaged[key][1] += 1
                    if later:
                        engaged_later[key][0] += score
                        engaged_later[key][1] += 1
                own.check_ins[key] += 1
                own.met[key] += check_in.met
        own.absence = {key: rates for key, a in absence.items() if (rates := a.rates()) is not None}
        if (rates := baseline.rates()) is not None:
            own.baseline_absence = rates[0]
            own.absence_after = {key: r[0] for key, a in after.items() if (r := a.rates()) is not None}
        for key, sums in dimension_sums.items():
            for n, dimension in enumerate(ENGAGEMENT_DIMENSIONS):
                if sums[4 + n]:
                    own.ratings[key][dimension] = Fraction(sums[n], sums[4 + n])
        for key, (total, count) in engaged.items():
            if count:
                own.engagement[key] = Fraction(total, count * _TWELFTHS)
        if base_count:
            base = Fraction(base_sum, base_count * _TWELFTHS)
            for key, (total, count) in engaged_later.items():
                if count:
                    change = Fraction(total, count * _TWELFTHS) - base
                    own.direction[key] = 1 if change >= MEAN_STEP else -1 if change <= -MEAN_STEP else 0

        for prompt in prompts[student.id]:
            for key in keys_of(prompt.on):
                if key not in inside:
                    continue
                own.prompts[key] += 1
                if prompt.answered:
                    own.answered[key] += 1
                    if prompt.response_hours is not None:
                        own.response_hours[key].append(prompt.response_hours)

        case = first_case.get(student.id)
        if case is not None:
            own.case = True
            own.story = _story(history, case, report)

    alerts = [
        AlertFact(
            a.student,
            a.rule,
            raised=a.opened_on in report,
            acknowledge_days=(
                days.between(a.opened_on, a.acknowledged_on)
                if a.acknowledged_on is not None and a.opened_on in report
                else None
            ),
            resolved=a.resolved_on is not None and a.resolved_on in report,
            outcome=a.outcome if a.outcome in OUTCOMES else "other",
        )
        for a in school.alerts
    ]
    follow_ups = []
    for a in school.alerts:
        if a.follow_up_on is not None and a.follow_up_on in report:
            until = days.forward(a.follow_up_on, FOLLOW_UP_SCHOOL_DAYS)
            kept = any(c.met and a.follow_up_on <= c.on <= until for c in check_ins[a.student])
            follow_ups.append(FollowUpFact(a.student, kept))
    return GroupFacts(facts, alerts, follow_ups)


def _sixths(check_in: CheckInRow) -> int:
    return check_in.absent_days * LESSONS_PER_DAY + check_in.absent_lessons


def _story(history: Sequence[CheckInRow], case: AlertRow, report: Period) -> str | None:
    """Which way the student went after the case: the month before it against the two after."""
    opened = case.opened_at
    before = [c for c in history if opened - timedelta(days=BEFORE_DAYS) <= c.at < opened]
    after = [
        c for c in history if opened < c.at <= opened + timedelta(days=AFTER_DAYS) and c.on <= report.last
    ]
    if not before or not after:
        return None
    up = down = False
    engaged_before = _mean([e for c in before if (e := _engagement(c.ratings)) is not None])
    engaged_after = _mean([e for c in after if (e := _engagement(c.ratings)) is not None])
    if engaged_before is not None and engaged_after is not None:
        up |= engaged_after - engaged_before >= CLEAR_ENGAGEMENT
        down |= engaged_before - engaged_after >= CLEAR_ENGAGEMENT
    # Absent days per check-in, a lesson as a sixth of a day.
    absent_before = Fraction(sum(_sixths(c) for c in before), len(before) * LESSONS_PER_DAY)
    absent_after = Fraction(sum(_sixths(c) for c in after), len(after) * LESSONS_PER_DAY)
    up |= absent_before - absent_after >= CLEAR_ABSENCE
    down |= absent_after - absent_before >= CLEAR_ABSENCE
    if up and not down:
        return "turned_up"
    if down and not up:
        return "turned_down"
    return "no_clear_change"


# --- A group's figures ---------------------------------------------------------------------------


Number = Fraction | float


def _sorted(values: Iterable[Number]) -> list[Number]:
    # Compared as floats (fast), kept exact: the quartiles are taken of the exact values.
    return sorted(values, key=float)


def _quartiles(ordered: Sequence[Number]) -> tuple[Number, Number, Number] | None:
    """The quartiles of values sorted ascending, interpolated as `statistics.quantiles` does with
    method="inclusive" (and numpy by default): q2 is the median."""
    if not ordered:
        return None
    last = len(ordered) - 1
    found = []
    for i in (1, 2, 3):
        j, delta = divmod(i * last, 4)
        low, high = ordered[j], ordered[min(j + 1, last)]
        found.append(low + (high - low) * Fraction(delta, 4) if delta else low)
    q1, q2, q3 = found
    return q1, q2, q3


def _times(value: Number | None, factor: int) -> Number | None:
    return None if value is None else value * factor


def _median(ordered: Sequence[Number]) -> Number | None:
    spread = _quartiles(ordered)
    return spread[1] if spread else None


def group_figures(
    facts: GroupFacts, periods: Sequence[Period], report: Period, school: str = ""
) -> list[Figure]:
    """Every figure of one group of students (a school, or the programme), `school` naming it."""
    students = facts.students
    month_list = [p for p in periods if p.kind == "month"]
    term_list = [p for p in periods if p.kind == "term"]
    timeline = [*month_list, report]  # months, then the whole report
    out: list[Figure] = []
    add = out.append

    # Overview.
    in_programme = [s.id for s in students if ALL in s.in_programme]
    population = figure("overview", "students", ALL, len(in_programme), in_programme)
    with_mentor_ids = [s.id for s in students if ALL in s.mentored]
    with_mentor = figure("overview", "students_with_mentor", ALL, len(with_mentor_ids), with_mentor_ids)
    out += [population, with_mentor]
    ids_checked = [s.id for s in students if s.check_ins[ALL]]
    add(figure("overview", "check_ins", ALL, sum(s.check_ins[ALL] for s in students), ids_checked))

    # Attendance per month and for the whole report.
    for period in timeline:
        key = period.key
        estimated = [s for s in students if key in s.absence]
        ids = [s.id for s in estimated]
        base = figure("attendance", "students_estimated", key, len(ids), ids)
        add(base)
        middle = _median(_sorted(s.absence[key][0] for s in estimated))
        add(figure("attendance", "absence_median", key, _times(middle, 100), ids, unit="percent"))
        levels = []
        for level in ABSENCE_LEVELS:
            share_of_days = Fraction(level, 100)
            at_least = [s.id for s in estimated if s.absence[key][0] >= share_of_days]
            share = Fraction(100 * len(at_least), len(ids)) if ids else None
            levels.append(
                figure(
                    "attendance", "absence_at_least", key, share, ids,
                    unit="percent", breakdown=str(level), group=at_least,
                )
            )  # fmt: skip
        out += protect_nested(base, levels)
        unexcused = [s.id for s in estimated if s.absence[key][1] > 0]
        share = Fraction(100 * len(unexcused), len(ids)) if ids else None
        any_unexcused = figure(
            "attendance", "unexcused_any", key, share, ids, unit="percent", group=unexcused
        )
        out += protect_nested(base, [any_unexcused])
        unexcused_rates = _sorted(s.absence[key][1] * 100 for s in estimated)
        add(
            figure(
                "attendance", "unexcused_median", key,
                _median(unexcused_rates), ids, unit="percent",
            )
        )  # fmt: skip

    # Attendance, paired: each student's own first month against each term after it.
    for term in term_list:
        paired = [s for s in students if s.baseline_absence is not None and term.key in s.absence_after]
        ids = [s.id for s in paired]
        add(figure("attendance", "paired_students", term.key, len(ids), ids))
        before = [s.baseline_absence * 100 for s in paired if s.baseline_absence is not None]
        after = [s.absence_after[term.key] * 100 for s in paired]
        changes = [a - b for a, b in zip(after, before, strict=True)]
        spread = _quartiles(_sorted(changes))
        for name, value, unit in (
            ("paired_baseline_median", _median(_sorted(before)), "percent"),
            ("paired_term_median", _median(_sorted(after)), "percent"),
            ("paired_change_median", spread[1] if spread else None, "points"),
            ("paired_change_q1", spread[0] if spread else None, "points"),
            ("paired_change_q3", spread[2] if spread else None, "points"),
        ):
            add(figure("attendance", name, term.key, value, ids, unit=unit))

    # Engagement: each dimension, median and spread; and against each student's first month.
    for period in timeline:
        key = period.key
        for dimension in ENGAGEMENT_DIMENSIONS:
            rated = [s for s in students if dimension in s.ratings.get(key, {})]
            ids = [s.id for s in rated]
            spread = _quartiles(_sorted(s.ratings[key][dimension] for s in rated))
            for name, index in (("median", 1), ("q1", 0), ("q3", 2)):
                value = spread[index] if spread else None
                add(figure("engagement", name, key, value, ids, unit="decimal", breakdown=dimension))
        engaged = [s for s in students if key in s.engagement]
        scores = _sorted(s.engagement[key] for s in engaged)
        add(
            figure(
                "engagement", "median", key, _median(scores),
                [s.id for s in engaged], unit="decimal",
            )
        )  # fmt: skip
        compared = [s for s in students if key in s.direction]
        ids = [s.id for s in compared]
        total = figure("engagement", "direction_students", key, len(ids), ids)
        add(total)
        parts = []
        for word, sign in zip(DIRECTIONS, (1, 0, -1), strict=True):
            members = [s.id for s in compared if s.direction[key] == sign]
            share = Fraction(100 * len(members), len(ids)) if ids else None
            parts.append(
                figure(
                    "engagement", "direction", key, share, ids, unit="percent", breakdown=word, group=members
                )
            )
        out += protect_partition(total, parts)

    # Dosage: contacts against the cadence, prompts answered, contacts met, response times.
    for period in timeline:
        key = period.key
        months_long = Fraction(period.days, MONTH_DAYS) if period.kind == "all" else Fraction(1)
        mentored = [s for s in students if key in s.mentored]
        ids = [s.id for s in mentored]
        asked = [s.id for s in mentored if s.prompts[key]]
        checked = [s.id for s in mentored if s.check_ins[key]]
        for name, count, group in (
            ("prompts_per_student", sum(s.prompts[key] for s in mentored), asked),
            ("check_ins_per_student", sum(s.check_ins[key] for s in mentored), checked),
        ):
            rate = Fraction(count, len(ids)) / months_long if ids else None
            add(figure("dosage", name, key, rate, ids, unit="decimal", group=group))
        prompted = [s for s in students if s.prompts[key]]
        due, answered = sum(s.prompts[key] for s in prompted), sum(s.answered[key] for s in prompted)
        add(
            figure(
                "dosage", "prompts_answered", key, Fraction(100 * answered, due) if due else None,
                [s.id for s in prompted], unit="percent",
            )
        )  # fmt: skip
        logged = [s for s in students if s.check_ins[key]]
        count, met = sum(s.check_ins[key] for s in logged), sum(s.met[key] for s in logged)
        add(
            figure(
                "dosage", "met", key, Fraction(100 * met, count) if count else None,
                [s.id for s in logged], unit="percent",
            )
        )  # fmt: skip
        answering = [s for s in students if s.response_hours.get(key)]
        spread = _quartiles(sorted(h for s in answering for h in s.response_hours[key]))
        for name, index in (("response_hours_median", 1), ("response_hours_q3", 2)):
            value = spread[index] if spread else None
            add(figure("dosage", name, key, value, [s.id for s in answering], unit="hours"))

    # Early warning over the whole report: per rule and in all; outcomes; follow-ups.
    raised = [a for a in facts.alerts if a.raised]
    rules = sorted({a.rule for a in raised} | {a.rule for a in facts.alerts if a.resolved})
    per: dict[str, list[Figure]] = defaultdict(list)
    totals: dict[str, Figure] = {}
    for rule in [TOTAL, *rules]:
        mine = [a for a in raised if rule in (TOTAL, a.rule)]
        acknowledged = [a for a in mine if a.acknowledge_days is not None]
        in_time = [a for a in acknowledged if (a.acknowledge_days or 0) <= ACKNOWLEDGE_SCHOOL_DAYS]
        resolved = [a for a in facts.alerts if a.resolved and rule in (TOTAL, a.rule)]
        waits = sorted(a.acknowledge_days or 0 for a in acknowledged)
        for name, value, alerts, unit in (
            ("raised", len(mine), mine, "count"),
            ("acknowledged_in_time", len(in_time), in_time, "count"),
            ("acknowledge_days_median", _median(waits), acknowledged, "days"),
            ("resolved", len(resolved), resolved, "count"),
        ):
            made = figure(
                "early_warning", name, ALL, value, [a.student for a in alerts], unit=unit, breakdown=rule
            )
            if rule == TOTAL:
                totals[name] = made
            else:
                per[name].append(made)
    for name in ("raised", "acknowledged_in_time", "acknowledge_days_median", "resolved"):
        out.append(totals[name])
        if name in ("raised", "acknowledged_in_time", "resolved"):
            out += protect_partition(totals[name], per[name])
        else:
            out += per[name]
    resolved = [a for a in facts.alerts if a.resolved]
    outcomes = [
        figure(
            "early_warning", "outcome", ALL, sum(a.outcome == outcome for a in resolved),
            [a.student for a in resolved if a.outcome == outcome], breakdown=outcome,
        )
        for outcome in OUTCOMES
    ]  # fmt: skip
    out += protect_partition(totals["resolved"], outcomes)
    follow_ups = figure(
        "early_warning", "follow_ups", ALL, len(facts.follow_ups), [f.student for f in facts.follow_ups]
    )
    kept = [f for f in facts.follow_ups if f.kept]
    not_kept = [f for f in facts.follow_ups if not f.kept]
    # Whether the team kept its follow-ups tells of the team's work, not of a child: no part is
    # withheld for the other's sake.
    out += [
        follow_ups,
        figure("early_warning", "follow_ups_kept", ALL, len(kept), [f.student for f in kept]),
        figure("early_warning", "follow_ups_not_kept", ALL, len(not_kept), [f.student for f in not_kept]),
    ]

    # Stories in numbers: students who turned clearly upward after a case was opened.
    cases = [s.id for s in students if s.case]
    followed = [s for s in students if s.story is not None]
    add(figure("stories", "cases", ALL, len(cases), cases))
    total = figure("stories", "followed", ALL, len(followed), [s.id for s in followed])
    add(total)
    out += protect_partition(
        total,
        [
            figure(
                "stories", "turned", ALL, sum(s.story == part for s in followed),
                [s.id for s in followed if s.story == part], breakdown=part,
            )
            for part in STORY_PARTS
        ],
    )  # fmt: skip
    return [replace(f, school=school) for f in out]


# --- The report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFigures:
    first: date
    last: date
    periods: tuple[Period, ...]
    # The figures of the whole report; for the programme, then each school's (school named).
    figures: tuple[Figure, ...]
    # (organisation, school) in the report's order; `school` is how its figures are labelled.
    schools: tuple[tuple[str, str], ...]
    programme: bool

    def get(
        self, section: str, name: str, period: str = ALL, breakdown: str = TOTAL, school: str = ""
    ) -> Figure:
        return self._index[(school, section, name, breakdown, period)]

    @cached_property
    def _index(self) -> dict[tuple[str, str, str, str, str], Figure]:
        return {f.key: f for f in self.figures}

    def breakdowns(self, school: str, section: str, name: str) -> list[str]:
        """The breakdowns of a figure (rules, outcomes, ...) in the order they were computed."""
        return [
            f.breakdown
            for f in self.figures
            if f.school == school and f.section == section and f.name == name and f.period == ALL
        ]


def school_year_start(today: date) -> date:
    """The first of August that began the school year `today` is in."""
    return date(today.year if today.month >= 8 else today.year - 1, 8, 1)


def report_periods(first: date, last: date) -> tuple[Period, tuple[Period, ...]]:
    whole = Period(ALL, "all", first, last)
    return whole, (*months(first, last), *terms(first, last))


def compute(
    schools: Sequence[SchoolData],
    first: date,
    last: date,
    *,
    programme: bool,
    progress: Callable[[str], None] | None = None,
) -> ReportFigures:
    """The figures of one school's report (`programme` False) or of the programme and each school."""
    whole, periods = report_periods(first, last)
    every = [*periods, whole]
    per_school = []
    for school in schools:
        per_school.append(school_facts(school, every, whole))
        if progress:
            progress(school.name)
    labels = school_labels(schools)
    figures: list[Figure] = []
    if programme:
        together = GroupFacts(
            [s for f in per_school for s in f.students],
            [a for f in per_school for a in f.alerts],
            [u for f in per_school for u in f.follow_ups],
        )
        figures += group_figures(together, periods, whole)
        for label, facts in zip(labels, per_school, strict=True):
            figures += group_figures(facts, periods, whole, school=label)
    else:
        (label,) = labels
        figures += group_figures(per_school[0], periods, whole, school=label)
    return ReportFigures(
        first,
        last,
        periods,
        tuple(figures),
        tuple((s.organisation, label) for s, label in zip(schools, labels, strict=True)),
        programme,
    )


def school_labels(schools: Sequence[SchoolData]) -> list[str]:
    """Each school's name, with its organisation's where two schools of the report share a name."""
    names = Counter(s.name for s in schools)
    return [s.name if names[s.name] == 1 else f"{s.organisation} · {s.name}" for s in schools]
