"""Small-cell suppression, whatever the data: no figure of an outcome report comes from fewer than
5 students, nor can one be worked out from the others by subtraction.

Schools of 0 to 9 students (around 5 is where it matters) with random check-ins, prompts and cases
go through the pure computation of a programme report. For every figure shown:

- it is based on at least 5 students, and so is the part it counts;
- it depends on nobody else: computed again from those students' rows alone, it is the same;

and for every split of a total (directions, stories, outcomes, rules, absence levels), what the
withheld parts hold together is at least 5 students. The CSV writes every withheld figure "<5".
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.reports.tabular import write_csv
from handlers.programme import MIN_STUDENTS
from handlers.reports.data import (
    AlertRow,
    CheckInRow,
    PromptRow,
    RegisteredRow,
    SchoolData,
    SchoolDays,
    StudentRow,
)
from handlers.reports.figures import ABSENCE_LEVELS, ALL, Figure, ReportFigures, compute
from models.calendar import SchoolCalendar

FIRST, LAST = date(2026, 10, 1), date(2026, 11, 30)
START = date(2026, 8, 24)
DAYS = (LAST - START).days + 1
CALENDAR = SchoolDays(SchoolCalendar(), START - timedelta(days=30), LAST + timedelta(days=30))
RULES = ("attendance", "concern", "low_rating")
OUTCOMES = ("talked", "guardians", "talked", "talked", "not-known-any-more")


def at(day: int, hour: int = 10) -> datetime:
    return datetime.combine(START + timedelta(days=day), time(hour), tzinfo=UTC)


@dataclass(frozen=True)
class GivenCheckIn:
    day: int
    absent_days: int
    absent_lessons: int
    unexcused: bool
    ratings: tuple[int | None, ...]
    met: bool


@dataclass(frozen=True)
class GivenCase:
    rule: str
    day: int
    acknowledged_after: int | None
    resolved_after: int | None
    outcome: str
    follow_up_after: int | None


@dataclass(frozen=True)
class GivenStudent:
    joined: int
    left: int | None
    mentored: bool
    check_ins: list[GivenCheckIn]
    prompts: list[tuple[int, bool, int]]
    cases: list[GivenCase]
    # Registered school weeks: (first day, absent minutes a day, unexcused or not), from the term before.
    registered: list[tuple[int, int, bool]] = field(default_factory=list)


def mostly(strategy: st.SearchStrategy[int], none_in: int = 4) -> st.SearchStrategy[int | None]:
    """A value, or None once in `none_in` draws (plain integers: Hypothesis keeps both sides alive)."""
    return st.tuples(st.integers(1, none_in), strategy).map(lambda t: None if t[0] == 1 else t[1])


def picked(*choices: object) -> st.SearchStrategy:  # type: ignore[type-arg]
    return st.integers(0, len(choices) - 1).map(lambda i: choices[i])


check_ins = st.builds(
    GivenCheckIn,
    day=st.integers(0, DAYS - 1),
    absent_days=picked(0, 0, 0, 1, 2),
    absent_lessons=picked(0, 0, 3),
    unexcused=picked(False, False, True),
    ratings=st.tuples(*[mostly(st.integers(1, 5))] * 4),
    met=picked(True, True, True, False),
)
cases = st.builds(
    GivenCase,
    rule=picked(*RULES),
    day=st.integers(0, DAYS - 1),
    acknowledged_after=mostly(st.integers(0, 6)),
    resolved_after=mostly(st.integers(0, 20)),
    outcome=picked(*OUTCOMES),
    follow_up_after=mostly(st.integers(0, 20), none_in=2),
)
students = st.builds(
    GivenStudent,
    joined=picked(0, 0, 0, 40),
    left=mostly(st.integers(45, DAYS - 1), none_in=2).map(lambda d: None if d is None or d % 3 else d),
    mentored=picked(True, True, True, False),
    check_ins=st.integers(0, 12).flatmap(lambda n: st.lists(check_ins, min_size=n, max_size=n)),
    prompts=st.lists(
        st.tuples(st.integers(38, DAYS - 1), picked(True, True, False), st.integers(0, 30)), max_size=8
    ),
    cases=picked(0, 1, 1, 2).flatmap(lambda n: st.lists(cases, min_size=n, max_size=n)),
    registered=st.lists(
        st.tuples(st.integers(-120, DAYS - 5), picked(0, 0, 30, 120), picked(False, True)), max_size=4
    ),
)
# 0 to 9 students a school, as likely as each other (around 5 is where it matters), or now and
# then 15, so that parts of 5 and more stand next to withheld ones.
schools = st.integers(0, 11).flatmap(
    lambda n: st.lists(students, min_size=n if n < 10 else 15, max_size=n if n < 10 else 15)
)
programmes = st.lists(schools, min_size=1, max_size=2)


def school_data(number: int, given: list[GivenStudent]) -> SchoolData:
    rows, check_in_rows, prompt_rows, alert_rows = [], [], [], []
    registered: dict[tuple[str, date], RegisteredRow] = {}
    for n, student in enumerate(given):
        sid = f"s{number}-{n}"
        joined = START + timedelta(days=student.joined)
        left = None if student.left is None else START + timedelta(days=student.left)
        rows.append(StudentRow(sid, joined, left, ((joined, left),) if student.mentored else ()))
        for c in student.check_ins:
            check_in_rows.append(
                CheckInRow(
                    sid, at(c.day), (START + timedelta(days=c.day)), c.met, c.absent_days, c.absent_lessons,
                    c.absent_days if c.unexcused else 0, c.absent_lessons if c.unexcused else 0,
                    c.ratings if c.met else (None, None, None, None),
                )
            )  # fmt: skip
        for first, absent, unexcused in student.registered:
            for day in range(first, first + 5):
                on = START + timedelta(days=day)
                registered[(sid, on)] = RegisteredRow(sid, on, 300, absent, absent if unexcused else 0)
        for day, answered, hours in student.prompts:
            prompt_rows.append(
                PromptRow(sid, START + timedelta(days=day), answered, hours if answered else None)
            )
        for case in student.cases:
            opened = START + timedelta(days=case.day)

            def later(after: int | None, since: date = opened) -> date | None:
                return None if after is None else since + timedelta(days=after)

            resolved = later(case.resolved_after)
            alert_rows.append(
                AlertRow(
                    sid, case.rule, at(case.day, 11), opened, later(case.acknowledged_after), resolved,
                    case.outcome if resolved else None,
                    later(case.follow_up_after, resolved) if resolved else None,
                )
            )  # fmt: skip
    return SchoolData(
        f"Skola {number}",
        f"Kommun {number}",
        CALENDAR,
        tuple(rows),
        tuple(sorted(check_in_rows, key=lambda c: c.at)),
        tuple(prompt_rows),
        tuple(alert_rows),
        tuple(registered[key] for key in sorted(registered)),
    )


def by_key(report: ReportFigures) -> dict[tuple[str, str, str, str, str], Figure]:
    return {f.key: f for f in report.figures}


def recomputed(
    data: list[SchoolData], students: frozenset[str]
) -> dict[tuple[str, str, str, str, str], Figure]:
    """The report again, from these students' rows alone."""
    return by_key(compute([s.only(students) for s in data], FIRST, LAST, programme=True))


def splits(report: ReportFigures) -> list[tuple[Figure | None, list[Figure]]]:
    """Each total with the parts it splits into (the figures whose withheld parts must hold >= 5)."""
    found = by_key(report)
    groups: dict[tuple[str, str, str, str], list[Figure]] = defaultdict(list)
    for f in report.figures:
        if (f.section, f.name) in (
            ("engagement", "direction"),
            ("stories", "turned"),
            ("early_warning", "outcome"),
        ) or (
            f.section == "early_warning"
            and f.name in ("raised", "acknowledged_in_time", "resolved")
            and f.breakdown
        ):
            groups[(f.school, f.section, f.name, f.period)].append(f)
    result = []
    for (school, section, name, period), parts in groups.items():
        total_name = {"direction": "direction_students", "turned": "followed", "outcome": "resolved"}.get(
            name, name
        )
        result.append((found.get((school, section, total_name, "", period)), parts))
    return result


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(programme=programmes)
def test_no_figure_from_fewer_than_5_students_can_be_read_or_worked_out(
    programme: list[list[GivenStudent]],
) -> None:
    data = [school_data(n, given) for n, given in enumerate(programme)]
    report = compute(data, FIRST, LAST, programme=True)
    figures = by_key(report)
    # A school with fewer than 5 students shows nothing at all, whatever the rest.
    for number, school in enumerate(programme):
        if len(school) < MIN_STUDENTS:
            assert not any(f.shown for f in report.figures if f.school == f"Skola {number}")
    # Each shown figure: at least 5 students behind it and behind what it counts.
    for figure in report.figures:
        if figure.shown:
            assert len(figure.basis) >= MIN_STUDENTS and len(figure.group) >= MIN_STUDENTS, figure
            assert figure.students == len(figure.basis)
        else:
            assert figure.students == 0
    # ... and nobody else: from those students' rows alone it is the same (where it is shown there).
    checked = 0
    for basis in {f.basis for f in report.figures if f.shown}:
        again = recomputed(data, basis)
        for figure in (f for f in report.figures if f.shown and f.basis == basis):
            other = again.get(figure.key)
            if other is not None and other.shown:
                assert other.value == figure.value, figure
                checked += 1
    assert checked or not any(f.shown for f in report.figures)
    # Splits of a total: the withheld parts together hold none of it, or at least 5 students.
    for total, parts in splits(report):
        hidden = frozenset().union(*(p.group for p in parts if not p.shown))
        if total is not None and total.shown and any(not p.shown for p in parts):
            assert len(hidden) >= MIN_STUDENTS, (total, parts)
    # Absence levels, each inside the one before: what lies between two shown ones is >= 5 students.
    for (school, section, name, _, period), population in figures.items():
        if (section, name) != ("attendance", "students_estimated") or not population.shown:
            continue
        previous = population.group
        for level in ABSENCE_LEVELS:
            shown = figures[(school, "attendance", "absence_at_least", str(level), period)]
            if shown.shown:
                assert len(previous - shown.group) >= MIN_STUDENTS
                previous = shown.group
        # Of them registered: the others (estimated) are nobody or at least 5 too.
        registered = figures[(school, "attendance", "students_registered", "", period)]
        if registered.shown:
            assert len(population.group - registered.group) >= MIN_STUDENTS
    # The CSV: a withheld figure is "<5" in both its value and its number of students.
    out = io.StringIO()
    write_csv(report, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == len(report.figures)
    for row, figure in zip(rows, report.figures, strict=True):
        if not figure.shown:
            assert (row["value"], row["students"]) == ("<5", "<5")
        else:
            assert int(row["students"]) >= MIN_STUDENTS


def test_plain_counts_agree() -> None:
    """Two figures counted plainly here, independently of the computation."""
    six = [
        GivenStudent(0, None, True, [], [], [GivenCase("concern", 40, 1, None, "talked", None)])
        for _ in range(6)
    ]
    gone = GivenStudent(0, 20, True, [], [], [])  # left before the report: not in it
    report = compute([school_data(0, [*six, gone])], FIRST, LAST, programme=True)
    figures = by_key(report)
    assert figures[("", "overview", "students", "", ALL)].value == 6
    assert figures[("", "early_warning", "raised", "concern", ALL)].value == 6
    assert figures[("", "early_warning", "acknowledged_in_time", "", ALL)].value == 6
