"""The programme figures as a table for the terminal or as CSV, for `mentorbot programme report`.

The same figures the programme's project leads see in chat (handlers/programme.py), in English,
one row per school; a figure withheld because fewer than 5 students are behind it is written
"< 5" in the table and "<5" in the CSV, so a spreadsheet never reads it as a number.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from typing import TextIO

from handlers.checkins import DIRECTION_WORDS
from handlers.programme import OUTCOMES, SchoolFigures
from models.trends import Direction

Figure = int | float | Direction | None

# (CSV column, table heading, the figure): the one list both formats are written from.
COLUMNS: list[tuple[str, str, Callable[[SchoolFigures], Figure]]] = [
    ("students", "students", lambda f: f.students),
    ("active_mentorships", "mentorships", lambda f: f.mentorships),
    ("check_ins_per_student_month", "check-ins/student/month", lambda f: f.check_ins_per_student_month),
    ("alerts_raised", "alerts", lambda f: f.alerts_raised),
    ("acknowledged_within_2_school_days", "ack. in 2 school days", lambda f: f.acknowledged_in_time),
    *(
        (f"resolved_{outcome}", f"resolved {outcome}", lambda f, o=outcome: f.resolved.get(o))
        for outcome in OUTCOMES
    ),
    ("absent_days_median", "absent days", lambda f: f.absent_days),
    ("absent_days_median_before", "before", lambda f: f.absent_days_before),
    ("attendance_trend", "attendance", lambda f: f.attendance_trend),
    ("engagement_median", "engagement", lambda f: f.engagement),
    ("engagement_median_before", "before", lambda f: f.engagement_before),
    ("engagement_trend", "engagement trend", lambda f: f.engagement_trend),
]


def _text(value: Figure, suppressed: str) -> str:
    if value is None:
        return suppressed
    if isinstance(value, Direction):
        return DIRECTION_WORDS[value]
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _cell(value: Figure) -> str | int | float:
    if value is None:
        return "<5"
    return value.value if isinstance(value, Direction) else value


def write_csv(figures: Sequence[SchoolFigures], out: TextIO) -> None:
    """One row per school; trends as up, down or steady; withheld figures as <5."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["organisation", "school", *(name for name, _, _ in COLUMNS)])
    for school in figures:
        cells = [_cell(figure(school)) for _, _, figure in COLUMNS]
        writer.writerow([school.organisation, school.school, *cells])


def text_table(figures: Sequence[SchoolFigures]) -> list[str]:
    """An aligned table with a header row: names to the left, figures to the right."""
    headings = ["organisation", "school", *(heading for _, heading, _ in COLUMNS)]
    rows = [
        [school.organisation, school.school, *(_text(figure(school), "< 5") for _, _, figure in COLUMNS)]
        for school in figures
    ]
    widths = [max(len(row[i]) for row in [headings, *rows]) for i in range(len(headings))]

    def line(cells: Sequence[str]) -> str:
        named = [cell.ljust(width) for cell, width in zip(cells[:2], widths[:2], strict=True)]
        counted = [cell.rjust(width) for cell, width in zip(cells[2:], widths[2:], strict=True)]
        return "  ".join(named + counted).rstrip()

    return [line(headings), *(line(row) for row in rows)]
