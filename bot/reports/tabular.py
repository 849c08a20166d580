"""The evaluators' CSV: every figure of the report, one per row, machine-readable and anonymous.

Columns (README "Reports" documents them for evaluators):

    organisation, school  empty for the figures of the whole programme
    section, figure       what is counted (e.g. attendance, absence_at_least)
    breakdown             a level (10, 15, 20), a dimension, a rule, an outcome, or empty
    period                2026-09 a month, 2026-autumn or 2027-spring a term, all the whole report
    from, to              the period's first and last day (ISO dates, inclusive)
    value                 the figure: a whole count, or a decimal with a point; <5 when withheld
    students              how many distinct students are behind it; <5 when withheld
    unit                  count, percent (0-100), decimal, hours, days, or points (percentage points)
    source                of an attendance figure: registered (the school's system), check-ins (the
                          mentors' estimate), or registered-else-check-ins (each student's registered
                          absence when they have at least 5 registered days in the period, else the
                          estimate; students_registered counts the registered); empty otherwise

A comparison school's attendance export joins on (period, from, to) and the figure
attendance/absence_at_least with breakdown 15: the share of students at 15 % absence or more.
No row holds a name, a code, a note or a student's own number.
"""

from __future__ import annotations

import csv
from typing import TextIO

from handlers.reports.figures import ALL, Figure, Period, ReportFigures

COLUMNS = (
    "organisation",
    "school",
    "section",
    "figure",
    "breakdown",
    "period",
    "from",
    "to",
    "value",
    "students",
    "unit",
    "source",
)
WITHHELD = "<5"


def _value(figure: Figure) -> str:
    if figure.value is None:
        return WITHHELD
    if isinstance(figure.value, int):
        return str(figure.value)
    return f"{figure.value:.1f}"


def _source(figure: Figure) -> str:
    if figure.section != "attendance":
        return ""
    if figure.name.startswith("registered_") or figure.name == "students_registered":
        return "registered"
    if figure.name.startswith("paired_"):
        return "check-ins"
    return "registered-else-check-ins"


def write_csv(figures: ReportFigures, out: TextIO) -> int:
    """Every figure as a row, the whole report's first; returns the number of rows."""
    periods: dict[str, Period] = {p.key: p for p in figures.periods}
    periods[ALL] = Period(ALL, "all", figures.first, figures.last)
    organisations = {school: organisation for organisation, school in figures.schools}
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for figure in figures.figures:
        period = periods[figure.period]
        writer.writerow(
            (
                organisations.get(figure.school, "") if figure.school else "",
                figure.school,
                figure.section,
                figure.name,
                figure.breakdown,
                figure.period,
                period.first.isoformat(),
                period.last.isoformat(),
                _value(figure),
                str(figure.students) if figure.shown else WITHHELD,
                figure.unit,
                _source(figure),
            )
        )
    return len(figures.figures)
