"""`mentorbot report`: the outcome report of one school, or of the programme, as HTML or CSV.

One function makes a report from start to end: find the schools, read their pseudonymous rows,
record the report in each school's audit log, compute the figures (handlers/reports), draw the
charts and write the page or the CSV. The CLI is an operator's tool: whoever runs it can read the
database anyway, and the audit log says which schools went into which report, and when.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from io import StringIO
from typing import TextIO

from sqlalchemy.orm import Session

from bot.reports.charts import CHART_COUNT, all_charts, comparison
from bot.reports.comparison import Comparison
from bot.reports.html import render_html
from bot.reports.tabular import write_csv
from bot.reports.text import Words
from handlers.programme import organisation_name, school_name
from handlers.reports.data import load, schools_with_breaks
from handlers.reports.figures import ReportFigures, compute, school_year_start
from models import School
from models.audit import record
from models.db import Database
from models.seed import Progress

FORMATS = ("html", "csv")


class ReportError(Exception):
    """The report cannot be made as asked; the message says why, for the operator."""


@dataclass(frozen=True)
class Made:
    content: str
    figures: ReportFigures
    report_id: str
    language: str


def find_schools(session: Session, name: str | None) -> list[School]:
    """Every school (the programme), or the one called `name` (ORGANISATION/SCHOOL if shared)."""
    schools = schools_with_breaks(session)
    if name is None:
        return schools
    wanted = name.strip().casefold()
    matches = [s for s in schools if school_name(s).casefold() == wanted]
    if not matches and "/" in wanted:
        organisation, _, school = wanted.rpartition("/")
        matches = [
            s
            for s in schools
            if school_name(s).casefold() == school.strip()
            and organisation_name(s.organisation).casefold() == organisation.strip()
        ]
    if len(matches) == 1:
        return matches
    if not matches:
        known = ", ".join(school_name(s) for s in schools) or "(none yet)"
        raise ReportError(f"there is no school called {name!r}; the schools are: {known}")
    named = ", ".join(f"{organisation_name(s.organisation)}/{school_name(s)}" for s in matches)
    raise ReportError(f"several schools are called {name!r}: name one as ORGANISATION/SCHOOL: {named}")


def make_report(
    db: Database,
    *,
    school: str | None,
    first: date | None,
    last: date | None,
    format: str,
    now: datetime,
    language: str | None = None,
    progress_out: TextIO | None = None,
    compare: Comparison | None = None,
) -> Made:
    """The report of `school` (None: the programme) from `first` to `last`, local dates inclusive.

    `progress_out` gets a progress line (the command line passes standard error). With `compare`
    (a comparison school's export) the HTML compares the two.
    """
    if format not in FORMATS:
        raise ReportError(f"the format must be one of {', '.join(FORMATS)}")
    if compare is not None and format != "html":
        raise ReportError(
            "--compare draws the comparison in the HTML report; the CSV is joined with the comparison "
            "school's export by the evaluator (README, Reports)"
        )
    last = last or now.date()
    first = first or school_year_start(last)
    if first > last:
        raise ReportError("--from must not be after --to")
    report_id = "R-" + secrets.token_hex(4).upper()
    with db.transaction() as session:
        schools = find_schools(session, school)
        if not schools:
            raise ReportError("there are no schools yet")
        programme = school is None
        language = language or ("sv" if programme else schools[0].language)
        charts = 0 if format == "csv" else CHART_COUNT[programme] + (compare is not None)
        progress = Progress(1 + len(schools) + charts + 1, progress_out)
        progress.advance("reading", 0)
        data = load(session, schools, first, last)
        progress.advance("reading", 1)
        for one in schools:
            record(
                session,
                None,
                one.id,
                "report.programme" if programme else "report.school",
                "report",
                report_id,
                now,
            )
    figures = compute(data, first, last, programme=programme, progress=lambda n: progress.advance(n, 1))
    words = Words(language)
    if format == "csv":
        out = StringIO()
        write_csv(figures, out)
        content = out.getvalue()
    else:
        label = "" if programme else figures.schools[0][1]
        drawn = all_charts(figures, words, label, progress=lambda n: progress.advance(n, 1))
        if compare is not None:
            drawn.append(comparison(figures, words, label, compare))
            progress.advance("comparison", 1)
        content = render_html(
            figures, drawn, words, school=label, report_id=report_id, made_at=now, comparison=compare
        )
    progress.advance("writing", 1)
    progress.close()
    return Made(content, figures, report_id, words.language)
