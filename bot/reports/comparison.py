"""A comparison school's attendance export, read for `mentorbot report --compare FILE`.

Municipalities judge a dropout-prevention project by the share of students at 15 % absence or
more in project schools against comparison schools. A comparison school has no mentorbot, so its
figures come as a small CSV from its own attendance system, one month a row:

    period,students,absence_at_least_10,absence_at_least_15,absence_at_least_20
    2026-09,212,18.4,9.9,5.2

`period` is a month (YYYY-MM), `students` how many students the shares are of, and each share a
percentage (0-100) of them at that absence or more; a share the school withheld may be `<5` or
empty. Commas or semicolons separate the columns, a decimal comma is read as a point, other
columns are ignored. Every row is checked, and every mistake is told with its row number, so the
file can be put right in one go.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from handlers.reports.figures import ABSENCE_LEVELS

COLUMNS = ("period", "students", *(f"absence_at_least_{level}" for level in ABSENCE_LEVELS))
HEADER = ",".join(COLUMNS)
WITHHELD = {"", "<5", "< 5"}
# More mistakes than this are not listed one by one: the file is likely not this format at all.
ERRORS_SHOWN = 10
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ComparisonError(Exception):
    """The file cannot be read as a comparison export; the message says where and why."""


@dataclass(frozen=True)
class ComparisonMonth:
    period: str  # YYYY-MM
    students: int
    # The share at each of ABSENCE_LEVELS or more, in percent; None where the school withheld it.
    shares: tuple[float | None, ...]

    def share(self, level: int) -> float | None:
        return self.shares[ABSENCE_LEVELS.index(level)]


@dataclass(frozen=True)
class Comparison:
    name: str  # what the file is called, for the chart's legend and caption
    months: tuple[ComparisonMonth, ...]

    def month(self, period: str) -> ComparisonMonth | None:
        return next((m for m in self.months if m.period == period), None)


def read_comparison(path: Path) -> Comparison:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ComparisonError(f"{path}: there is no such file") from None
    except UnicodeDecodeError:
        raise ComparisonError(f"{path}: the file is not UTF-8 text; save it as CSV (UTF-8)") from None
    except OSError as exc:
        raise ComparisonError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return parse_comparison(text, path.stem)
    except ComparisonError as error:
        raise ComparisonError(f"{path}: {error}") from None


def parse_comparison(text: str, name: str) -> Comparison:
    """The months of a comparison export, or a ComparisonError naming every row that is wrong."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ComparisonError(f"the file is empty; its first line names the columns {HEADER}")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [column.strip().lower() for column in next(reader)]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ComparisonError(
            f"the first line must name the columns {HEADER}; missing: {', '.join(missing)}"
        )
    at = {column: header.index(column) for column in COLUMNS}
    months: list[ComparisonMonth] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {column: row[i].strip() if i < len(row) else "" for column, i in at.items()}
        month, problems = _month(cells, seen)
        seen.add(cells["period"])
        errors += [f"row {number}: {problem}" for problem in problems]
        if month is not None:
            months.append(month)
    if errors:
        shown = errors[:ERRORS_SHOWN]
        if len(errors) > ERRORS_SHOWN:
            shown.append(f"and {len(errors) - ERRORS_SHOWN} more")
        raise ComparisonError("; ".join(shown))
    if not months:
        raise ComparisonError("there are no rows below the column names")
    return Comparison(name, tuple(sorted(months, key=lambda m: m.period)))


def _month(cells: dict[str, str], seen: set[str]) -> tuple[ComparisonMonth | None, list[str]]:
    problems: list[str] = []
    period = cells["period"]
    found = _MONTH.match(period)
    if not found or not 1 <= int(found.group(2)) <= 12:
        problems.append(f"the period must be a month written YYYY-MM (such as 2026-09), not {period!r}")
    elif period in seen:
        problems.append(f"{period} is given twice")
    students = cells["students"]
    if not students.isdigit():
        problems.append(f"students must be a whole number, not {students!r}")
    shares: list[float | None] = []
    for level in ABSENCE_LEVELS:
        value = cells[f"absence_at_least_{level}"]
        share = _percent(value)
        if share is None and value.replace(" ", "") not in WITHHELD:
            column = f"absence_at_least_{level}"
            problems.append(f"{column} must be a percentage from 0 to 100 (or <5), not {value!r}")
        shares.append(share)
    given = [s for s in shares if s is not None]
    if not problems and any(later > earlier for earlier, later in pairwise(given)):
        problems.append("the shares cannot grow with the level: at least 15 % absent are also at least 10 %")
    if problems:
        return None, problems
    return ComparisonMonth(period, int(students), tuple(shares)), []


def _percent(value: str) -> float | None:
    try:
        number = float(value.replace(",", ".").removesuffix("%").strip())
    except ValueError:
        return None
    return number if 0 <= number <= 100 else None
