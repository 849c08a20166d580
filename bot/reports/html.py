"""The report as one self-contained HTML page: charts embedded as PNG, styles inline, A4 print.

Nothing is fetched when it opens (no script, font, stylesheet or image from elsewhere), so it can
be mailed, archived and printed as it is. Every number in it comes from a `Figure`, written by
`Words.figure`: a withheld figure reads "< 5" wherever it would have stood.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape

from bot.reports.charts import COMPARED_LEVEL, Chart
from bot.reports.comparison import Comparison, ComparisonMonth
from bot.reports.text import WITHHELD, Words, period_title
from handlers.programme import ACKNOWLEDGE_SCHOOL_DAYS, MIN_STUDENTS, MONTH_DAYS
from handlers.reports.figures import (
    ABSENCE_LEVELS,
    AFTER_DAYS,
    ALL,
    BEFORE_DAYS,
    DIRECTIONS,
    FOLLOW_UP_SCHOOL_DAYS,
    STORY_PARTS,
    TOTAL,
    Figure,
    Period,
    ReportFigures,
)
from models.checkin import ENGAGEMENT_DIMENSIONS
from models.messages import N_

CSS = """
@page { size: A4; margin: 15mm 14mm 16mm 14mm; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 10pt; color: #111; }
body { max-width: 190mm; margin: 0 auto; padding: 8mm 0; line-height: 1.4; background: #fff; }
h1 { font-size: 17pt; margin: 0 0 1mm; }
h2 { font-size: 13pt; margin: 8mm 0 2mm; border-bottom: 1.5pt solid #111; padding-bottom: 1mm;
     break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 1.5mm; break-after: avoid; }
p { margin: 1mm 0 2mm; }
.lead { color: #333; margin-bottom: 4mm; }
.note { border-left: 3pt solid #808080; padding: 2mm 3mm; background: #f2f2f2; margin: 3mm 0;
        break-inside: avoid; }
figure { margin: 3mm 0; break-inside: avoid; }
figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 8.5pt; color: #333; margin-top: 1mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 8.5pt; break-inside: auto; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border-bottom: 0.5pt solid #b3b3b3; padding: 1mm 1.5mm; vertical-align: top; }
th { text-align: left; background: #e6e6e6; font-weight: bold; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n, tbody th { white-space: nowrap; }
td.withheld { color: #666; }
.cards { display: flex; flex-wrap: wrap; gap: 3mm; margin: 3mm 0; }
.card { border: 0.75pt solid #808080; padding: 2mm 3mm; min-width: 30mm; flex: 1; break-inside: avoid; }
.card .n { font-size: 15pt; font-weight: bold; display: block; }
footer { margin-top: 10mm; padding-top: 2mm; border-top: 0.5pt solid #808080; font-size: 8pt; color: #333; }
@media print { body { padding: 0; max-width: none; } h2 { break-before: auto; } }
"""


Cell = Figure | str | None
Column = tuple[str, Callable[[Period], Cell]]


class Page:
    """The HTML of one report, built up in order."""

    def __init__(self, figures: ReportFigures, words: Words, school: str) -> None:
        self.figures, self.words, self.school = figures, words, school
        self.parts: list[str] = []
        months = [p for p in figures.periods if p.kind == "month"]
        self.months = [*months, Period(ALL, "all", figures.first, figures.last)]
        self.terms = [p for p in figures.periods if p.kind == "term"]

    def add(self, html: str) -> None:
        self.parts.append(html)

    def text(self, template: str, **params: object) -> str:
        return escape(self.words(template, **params))

    def paragraph(self, template: str, **params: object) -> None:
        self.add(f"<p>{self.text(template, **params)}</p>")

    def section(self, depth: int, heading: str, intro: str, chart: Chart | None, **params: object) -> None:
        """A heading (h2, h3: `depth`), what follows explained in a paragraph, and its chart."""
        self.heading(depth, heading)
        self.paragraph(intro, **params)
        self.chart(chart)

    def heading(self, level: int, template: str) -> None:
        self.add(f"<h{level}>{self.text(template)}</h{level}>")

    def get(self, section: str, name: str, period: str = ALL, breakdown: str = TOTAL) -> Figure | None:
        try:
            return self.figures.get(section, name, period, breakdown, school=self.school)
        except KeyError:
            return None

    def column(self, heading: str, section: str, name: str, breakdown: str = TOTAL) -> Column:
        """A column of a table with a period per row: this figure in each period."""
        return heading, lambda period: self.get(section, name, period.key, breakdown)

    def cell(self, value: Cell) -> str:
        if value is None:
            return '<td class="n withheld">\u2013</td>'
        if isinstance(value, str):
            return f'<td class="n">{escape(value)}</td>'
        if not value.shown:
            return f'<td class="n withheld">{escape(WITHHELD)}</td>'
        return f'<td class="n">{escape(self.words.figure(value))}</td>'

    def table(self, headings: Sequence[str], rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        head = "".join(
            f'<th{" class=n" if i else ""} scope="col">{escape(h)}</th>' for i, h in enumerate(headings)
        )
        body = "".join(
            f'<tr><th scope="row">{escape(label)}</th>{"".join(self.cell(c) for c in cells)}</tr>'
            for label, cells in rows
        )
        self.add(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def period_table(self, first: str, periods: Sequence[Period], columns: Sequence[Column]) -> None:
        """One row per period (the months, then the whole period; or the terms)."""
        self.table(
            [first, *(heading for heading, _ in columns)],
            [(self.words.period(p), [value(p) for _, value in columns]) for p in periods],
        )

    def chart(self, chart: Chart | None) -> None:
        if chart is None:
            return
        data = base64.b64encode(chart.png).decode("ascii")
        self.add(
            f'<figure id="chart-{chart.name}"><img src="data:image/png;base64,{data}" '
            f'alt="{escape(chart.alt)}"><figcaption>{escape(chart.alt)}</figcaption></figure>'
        )

    def html(self, title: str) -> str:
        return (
            f'<!DOCTYPE html>\n<html lang="{self.words.language}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            + "".join(self.parts)
            + "</body></html>\n"
        )


def render_html(
    figures: ReportFigures,
    charts: Sequence[Chart],
    words: Words,
    *,
    school: str,
    report_id: str,
    made_at: datetime,
    comparison: Comparison | None = None,
) -> str:
    """The whole report; `school` is the label of the school it is about ("" for the programme);
    with a comparison school's attendance export, a section comparing the two."""
    page = Page(figures, words, school)
    chart = {c.name: c for c in charts}
    if school:
        title = words(N_("Outcome report: {school}"), school=school)
    else:
        title = words(N_("Outcome report: the programme"))
    lead = period_title(words, figures.first, figures.last)
    if figures.programme:
        lead += " \u00b7 " + words(N_("{count} schools"), count=len(figures.schools))
    page.add(f'<header><h1>{escape(title)}</h1><p class="lead">{escape(lead)}</p></header>')
    page.add('<div class="note">')
    page.paragraph(
        N_(
            "No student is named in this report: each is a random number drawn for this report only, "
            "and no figure based on fewer than {min} students is shown (it reads \u201c< 5\u201d, zero "
            "included). Where withheld figures could be worked out from the others, more are withheld."
        ),
        min=MIN_STUDENTS,
    )
    page.paragraph(
        N_(
            "Attendance is estimated from what mentors log at each check-in: days and lessons absent "
            "since the previous check-in, over the school days in between (a lesson counts as a sixth "
            "of a day), the same estimate the attendance rule uses. It is not the school's registered "
            "attendance over offered time: mentorbot does not read that yet."
        )
    )
    page.add("</div>")
    _key_figures(page)
    _attendance(page, chart)
    if comparison is not None:
        _comparison(page, chart.get("comparison"), comparison)
    _engagement(page, chart)
    _dosage(page, chart)
    _early_warning(page, chart)
    _stories(page, chart)
    if figures.programme:
        _schools(page, chart.get("schools"))
    page.add(
        "<footer>"
        + page.text(
            N_("Report {id}, made {date} by mentorbot. Recorded in the audit log of each school it covers."),
            id=report_id,
            date=words.date(made_at.date()),
        )
        + "</footer>"
    )
    return page.html(title)


def _key_figures(page: Page) -> None:
    page.heading(2, N_("Key figures"))
    page.add("<div class=cards>")
    for label, key in (
        (N_("students in the programme"), ("overview", "students")),
        (N_("with a mentor"), ("overview", "students_with_mentor")),
        (N_("check-ins"), ("overview", "check_ins")),
        (N_("check-ins per student a month"), ("dosage", "check_ins_per_student")),
        (N_("early-warning cases raised"), ("early_warning", "raised")),
    ):
        found = page.get(*key)
        value = page.words.figure(found) if found else WITHHELD
        page.add(f"<div class=card><span class=n>{escape(value)}</span>{page.text(label)}</div>")
    page.add("</div>")


def _attendance(page: Page, chart: dict[str, Chart]) -> None:
    words = page.words
    page.section(
        2,
        N_("Attendance"),
        N_(
            "Each student's estimated absence in a month is their absent time over the school days their "
            "check-ins that month cover (at least 5). Municipalities compare the share of students at 15 % "
            "absence or more; the attendance rule alerts below 90 % attendance."
        ),
        chart.get("attendance_levels"),
    )
    page.period_table(
        words(N_("month")),
        page.months,
        [
            page.column(words(N_("students with an estimate")), "attendance", "students_estimated"),
            page.column(words(N_("median absence")), "attendance", "absence_median"),
            *(
                page.column(
                    words(N_("at {level} % or more"), level=level),
                    "attendance",
                    "absence_at_least",
                    str(level),
                )
                for level in ABSENCE_LEVELS
            ),
            page.column(words(N_("with unexcused absence")), "attendance", "unexcused_any"),
            page.column(words(N_("median unexcused absence")), "attendance", "unexcused_median"),
        ],
    )
    page.paragraph(
        N_(
            "The shares are of the students with an estimate. A month counts the check-ins logged in it; "
            "the first and last month may be cut short by the period."
        )
    )
    page.section(
        3,
        N_("Each student against their own first month"),
        N_(
            "Paired: each student's estimated absence in each term (after their first month) against their "
            "own first month in the programme. mentorbot has no absence from before a student joined; the "
            "school's own records would give the term before."
        ),
        chart.get("attendance_paired"),
    )
    page.period_table(
        words(N_("term")),
        page.terms,
        [
            page.column(words(N_("students compared")), "attendance", "paired_students"),
            page.column(words(N_("median, first month")), "attendance", "paired_baseline_median"),
            page.column(words(N_("median, the term")), "attendance", "paired_term_median"),
            page.column(words(N_("median change, percentage points")), "attendance", "paired_change_median"),
            page.column(words(N_("lower quartile of the change")), "attendance", "paired_change_q1"),
            page.column(words(N_("upper quartile of the change")), "attendance", "paired_change_q3"),
        ],
    )


def _comparison(page: Page, chart: Chart | None, compared: Comparison) -> None:
    words = page.words
    page.section(
        2,
        N_("Against a comparison school"),
        N_(
            "The share of students at {level} % absence or more, here and in the comparison school "
            "\u201c{name}\u201d, from its attendance export. Keep in mind that this report's share is "
            "estimated from check-ins, the comparison school's is from its registered attendance."
        ),
        chart,
        level=COMPARED_LEVEL,
        name=compared.name,
    )
    months = page.months[:-1]  # the months, without the whole period: the export has months only

    def theirs(period: Period, read: Callable[[ComparisonMonth], float | None], unit: str) -> Cell:
        month = compared.month(period.key)
        return None if month is None else words.number(read(month), unit)

    page.period_table(
        words(N_("month")),
        months,
        [
            page.column(
                words(N_("this report")), "attendance", "absence_at_least", str(COMPARED_LEVEL)
            ),
            (
                words(N_("comparison school")),
                lambda period: theirs(period, lambda m: m.share(COMPARED_LEVEL), "percent"),
            ),
            (
                words(N_("students in the comparison school")),
                lambda period: theirs(period, lambda m: m.students, "count"),
            ),
        ],
    )


def _engagement(page: Page, chart: dict[str, Chart]) -> None:
    words = page.words
    page.section(
        2,
        N_("Engagement"),
        N_(
            "Mentors rate four dimensions from 1 to 5 at each check-in. Per month: the median of the "
            "students' means, and in brackets the quartiles (the middle half of the students lies between)."
        ),
        chart.get("engagement_dimensions"),
    )

    def spread(dimension: str) -> Column:
        def value(period: Period) -> Cell:
            middle, low, high = (
                page.get("engagement", n, period.key, dimension) for n in ("median", "q1", "q3")
            )
            if middle is None or low is None or high is None or not middle.shown:
                return middle
            return f"{words.figure(middle)} ({words.figure(low)}\u2013{words.figure(high)})"

        return words.dimension(dimension), value

    page.period_table(
        words(N_("month")),
        page.months,
        [
            *(spread(dimension) for dimension in ENGAGEMENT_DIMENSIONS),
            page.column(words(N_("all four, median")), "engagement", "median"),
        ],
    )
    page.section(
        3,
        N_("Improving, stable or declining"),
        N_(
            "Each student's mean engagement in a month against their own first month in the programme: "
            "half a point or more higher is improving, half a point or more lower is declining."
        ),
        chart.get("engagement_direction"),
    )
    direction_words = dict(zip(DIRECTIONS, (N_("improving"), N_("steady"), N_("declining")), strict=True))
    page.period_table(
        words(N_("month")),
        page.months,
        [
            page.column(words(N_("students compared")), "engagement", "direction_students"),
            *(page.column(words(direction_words[d]), "engagement", "direction", d) for d in DIRECTIONS),
        ],
    )


def _dosage(page: Page, chart: dict[str, Chart]) -> None:
    words = page.words
    page.section(
        2,
        N_("Contact: dosage and fidelity"),
        N_(
            "Check & Connect works through regular contact. Per student with a mentor: check-ins a month "
            "against the prompts the cadence asked for; the share of prompts answered (a check-in or "
            "\u201cdid not meet\u201d); the share of check-ins where mentor and student met; and the hours "
            "from a prompt to its answer."
        ),
        chart.get("dosage"),
    )
    page.period_table(
        words(N_("month")),
        page.months,
        [
            page.column(words(N_("prompts per student (the cadence)")), "dosage", "prompts_per_student"),
            page.column(words(N_("check-ins per student")), "dosage", "check_ins_per_student"),
            page.column(words(N_("prompts answered")), "dosage", "prompts_answered"),
            page.column(words(N_("check-ins where they met")), "dosage", "met"),
            page.column(words(N_("hours to answer, median")), "dosage", "response_hours_median"),
            page.column(words(N_("three in four answered within, hours")), "dosage", "response_hours_q3"),
        ],
    )
    page.paragraph(N_("Over the whole period, a month is {days} days."), days=MONTH_DAYS)


def _early_warning(page: Page, chart: dict[str, Chart]) -> None:
    words, figures, school = page.words, page.figures, page.school
    page.heading(2, N_("Early warning"))
    page.chart(chart.get("early_warning"))
    rules = [rule for rule in figures.breakdowns(school, "early_warning", "raised") if rule]
    page.table(
        [
            words(N_("rule")),
            words(N_("raised")),
            words(N_("acknowledged within {days} school days"), days=ACKNOWLEDGE_SCHOOL_DAYS),
            words(N_("school days to acknowledge, median")),
            words(N_("resolved in the period")),
        ],
        [
            (
                words(N_("all rules")) if rule == TOTAL else words.rule(rule),
                [
                    page.get("early_warning", name, ALL, rule)
                    for name in ("raised", "acknowledged_in_time", "acknowledge_days_median", "resolved")
                ],
            )
            for rule in [TOTAL, *rules]
        ],
    )
    page.table(
        [words(N_("outcome of the cases resolved")), words(N_("cases"))],
        [
            (words.outcome(outcome), [page.get("early_warning", "outcome", ALL, outcome)])
            for outcome in figures.breakdowns(school, "early_warning", "outcome")
        ],
    )
    page.paragraph(
        N_(
            "A follow-up is kept when the student had a check-in with contact within {days} school days "
            "of its date."
        ),
        days=FOLLOW_UP_SCHOOL_DAYS,
    )
    page.table(
        [words(N_("follow-ups dated in the period")), words(N_("count"))],
        [
            (words(N_("all")), [page.get("early_warning", "follow_ups")]),
            (words(N_("kept")), [page.get("early_warning", "follow_ups_kept")]),
            (words(N_("not kept")), [page.get("early_warning", "follow_ups_not_kept")]),
        ],
    )


def _stories(page: Page, chart: dict[str, Chart]) -> None:
    words = page.words
    page.section(
        2,
        N_("Stories in numbers"),
        N_(
            "For each student with a case opened in the period: the {before} days before the first case "
            "against the {after} days after it. Clearly upward: a whole point more engagement, or a day "
            "less absence per check-in, and neither clearly worse."
        ),
        chart.get("stories"),
        before=BEFORE_DAYS,
        after=AFTER_DAYS,
    )
    story_words = {
        "turned_up": N_("turned clearly upward"),
        "no_clear_change": N_("no clear change"),
        "turned_down": N_("turned clearly downward"),
    }
    page.table(
        [words(N_("students")), words(N_("count"))],
        [
            (words(N_("with a case opened")), [page.get("stories", "cases")]),
            (words(N_("with check-ins before and after")), [page.get("stories", "followed")]),
            *((words(story_words[part]), [page.get("stories", "turned", ALL, part)]) for part in STORY_PARTS),
        ],
    )


def _schools(page: Page, chart: Chart | None) -> None:
    words = page.words
    page.section(
        2,
        N_("Schools"),
        N_("Each school over the whole period. A school with fewer than 5 students shows only its name."),
        chart,
    )
    headings = [
        words(N_("school")),
        words(N_("students")),
        words(N_("check-ins per student a month")),
        words(N_("prompts answered")),
        words(N_("median absence")),
        words(N_("at 15 % absence or more")),
        words(N_("engagement, median")),
        words(N_("cases raised")),
        words(N_("turned clearly upward")),
    ]
    rows = []
    for organisation, school in page.figures.schools:
        page.school = school
        rows.append(
            (
                f"{school} ({organisation})",
                [
                    page.get("overview", "students"),
                    page.get("dosage", "check_ins_per_student"),
                    page.get("dosage", "prompts_answered"),
                    page.get("attendance", "absence_median"),
                    page.get("attendance", "absence_at_least", ALL, "15"),
                    page.get("engagement", "median"),
                    page.get("early_warning", "raised"),
                    page.get("stories", "turned", ALL, "turned_up"),
                ],
            )
        )
    page.school = ""
    page.table(headings, rows)
