"""The report's charts: matplotlib on its Agg backend (no display), one style, readable in greyscale.

Series are told apart by marker, line style and hatching as well as by grey, so a black-and-white
print reads the same. A withheld figure (fewer than 5 students) is never drawn: a line has a gap
there, a stacked bar shows the withheld remainder as an outlined blank. Each chart is a PNG
(200 dpi, sharp on A4) and has a text alternative.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from cycler import cycler
from matplotlib import pyplot
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure as Canvas
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.reports.comparison import Comparison
from bot.reports.text import Words
from handlers.programme import ACKNOWLEDGE_SCHOOL_DAYS
from handlers.reports.figures import (
    ABSENCE_LEVELS,
    ALL,
    DIRECTIONS,
    STORY_PARTS,
    Period,
    ReportFigures,
)
from models.checkin import ENGAGEMENT_DIMENSIONS
from models.messages import N_

WIDTH = 7.0  # inches: the text width of A4 with 15 mm margins
DPI = 200
INK, DARK, MID, LIGHT, FAINT = "#111111", "#4d4d4d", "#808080", "#b3b3b3", "#e6e6e6"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.edgecolor": DARK,
    "axes.labelcolor": INK,
    "axes.linewidth": 0.7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=[INK, DARK, MID, LIGHT]),
    "grid.color": FAINT,
    "grid.linewidth": 0.7,
    "xtick.color": DARK,
    "ytick.color": DARK,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "hatch.color": DARK,
    "hatch.linewidth": 0.6,
    "savefig.dpi": DPI,
    "svg.hashsalt": "mentorbot",
}
# Series in the order they are drawn: grey, line style and marker, so greyscale tells them apart.
LINES = [
    {"color": INK, "linestyle": "-", "marker": "o"},
    {"color": DARK, "linestyle": "--", "marker": "s"},
    {"color": MID, "linestyle": ":", "marker": "^"},
    {"color": DARK, "linestyle": "-.", "marker": "D", "markerfacecolor": "white"},
]
BARS = [
    {"color": DARK, "hatch": ""},
    {"color": LIGHT, "hatch": ""},
    {"color": "white", "hatch": "////", "edgecolor": DARK},
]


# How many charts a report has: a school's, and the programme's (which adds the schools); one
# more with a comparison school.
CHART_COUNT = {False: 7, True: 8}
# The absence level the comparison is drawn at: the share municipalities compare.
COMPARED_LEVEL = 15


@dataclass(frozen=True)
class Chart:
    name: str  # an id, for the page and for tests
    title: str
    alt: str  # what the chart shows, for readers who cannot see it
    png: bytes


@contextmanager
def _canvas(height: float, columns: int = 1, sharey: bool = False) -> Iterator[tuple[Canvas, list[Axes]]]:
    with matplotlib.rc_context(STYLE):
        canvas, axes = pyplot.subplots(1, columns, figsize=(WIDTH, height), sharey=sharey, squeeze=False)
        try:
            yield canvas, list(axes[0])
        finally:
            pyplot.close(canvas)


def _png(canvas: Canvas, title: str, dpi: int = DPI) -> bytes:
    """The chart with its title at its top left, over the whole width, whatever its panels."""
    canvas.suptitle(title, x=0.01, ha="left", fontsize=9, fontweight="bold")
    out = io.BytesIO()
    canvas.tight_layout()
    # No timestamp or software version in the file: the same figures give the same bytes.
    canvas.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    return out.getvalue()


def _value(figures: ReportFigures, school: str, *key: str) -> float:
    """A figure's value for plotting; NaN (a gap) when withheld or absent."""
    try:
        value = figures.get(*key, school=school).value
    except KeyError:
        return math.nan
    return _nan(value)


def _nothing_to_draw(axes: Axes, words: Words) -> None:
    axes.text(
        0.5,
        0.5,
        words(N_("Too few students to draw: every point is based on fewer than 5.")),
        ha="center",
        va="center",
        transform=axes.transAxes,
        color=DARK,
        wrap=True,
    )
    axes.set_xticks([])
    axes.set_yticks([])


def _percent_axis(axes: Axes, words: Words, top: float | None = None) -> None:
    # Whole percentages only: a tick at 2.5 would be labelled "2 %".
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: words.percent_tick(v)))
    axes.set_ylim(0, top)


def _month_axis(axes: Axes, months: Sequence[Period], words: Words) -> None:
    axes.set_xticks(range(len(months)))
    labels = [words.period(p) for p in months]
    axes.set_xticklabels(
        labels, rotation=45 if len(months) > 6 else 0, ha="right" if len(months) > 6 else "center"
    )
    axes.set_xlim(-0.5, len(months) - 0.5)


def _count_axis(axis: Axis, words: Words) -> None:
    """Whole numbers, a handful of ticks, written the reader's way (1 200)."""
    axis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: words.number(int(v))))


def _all_nan(*series: Sequence[float]) -> bool:
    return all(math.isnan(v) for values in series for v in values)


def attendance_levels(figures: ReportFigures, words: Words, school: str, dpi: int = DPI) -> Chart:
    months = [p for p in figures.periods if p.kind == "month"]
    series = [
        (
            words(N_("at least {level} % absent"), level=level),
            [_value(figures, school, "attendance", "absence_at_least", p.key, str(level)) for p in months],
        )
        for level in ABSENCE_LEVELS
    ]
    series.append(
        (
            words(N_("any unexcused absence")),
            [_value(figures, school, "attendance", "unexcused_any", p.key) for p in months],
        )
    )
    title = words(N_("Share of students by estimated absence, per month"))
    png = _monthly_shares(months, series, words, title, 2.7, dpi)
    alt = words(
        N_(
            "Line chart: for each month, the share of students at or above 10 %, 15 % and 20 % "
            "estimated absence, and the share with any unexcused absence."
        )
    )
    return Chart("attendance_levels", title, alt, png)


def _monthly_shares(
    months: Sequence[Period],
    series: Sequence[tuple[str, Sequence[float]]],
    words: Words,
    title: str,
    height: float,
    dpi: int = DPI,
) -> bytes:
    """Lines of percentages, one point a month, each series in its own grey, dash and marker."""
    with _canvas(height) as (canvas, (axes,)):
        if _all_nan(*(values for _, values in series)):
            _nothing_to_draw(axes, words)
        else:
            for (label, values), style in zip(series, LINES, strict=False):
                axes.plot(range(len(months)), values, label=label, **style)
            _month_axis(axes, months, words)
            _percent_axis(axes, words, top=max(10.0, _top(v for _, values in series for v in values)))
            axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _png(canvas, title, dpi)


def comparison(figures: ReportFigures, words: Words, school: str, compared: Comparison) -> Chart:
    """The measure municipalities compare: students at 15 % absence or more, here and there."""
    months = [p for p in figures.periods if p.kind == "month"]
    level = str(COMPARED_LEVEL)
    theirs = [compared.month(p.key) for p in months]
    series = [
        (
            words(N_("this report (estimated from check-ins)")),
            [_value(figures, school, "attendance", "absence_at_least", p.key, level) for p in months],
        ),
        (
            words(N_("comparison: {name}"), name=compared.name),
            [_nan(m.share(COMPARED_LEVEL) if m else None) for m in theirs],
        ),
    ]
    title = words(N_("Students at 15 % absence or more, against the comparison school"))
    png = _monthly_shares(months, series, words, title, 2.5)
    alt = words(
        N_(
            "Line chart: for each month, the share of students at 15 % absence or more in this report "
            "and in the comparison school's attendance export."
        )
    )
    return Chart("comparison", title, alt, png)


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def attendance_paired(figures: ReportFigures, words: Words, school: str) -> Chart:
    terms = [p for p in figures.periods if p.kind == "term"]
    middle = [_value(figures, school, "attendance", "paired_change_median", p.key) for p in terms]
    low = [_value(figures, school, "attendance", "paired_change_q1", p.key) for p in terms]
    high = [_value(figures, school, "attendance", "paired_change_q3", p.key) for p in terms]
    title = words(N_("Change in each student's absence against their own first month"))
    with _canvas(2.3) as (canvas, (axes,)):
        if _all_nan(middle):
            _nothing_to_draw(axes, words)
        else:
            positions = range(len(terms))
            axes.axhline(0, color=DARK, linewidth=0.8)
            for x, m, q1, q3 in zip(positions, middle, low, high, strict=True):
                if math.isnan(m):
                    continue
                axes.plot([x, x], [q1, q3], color=MID, linewidth=6, solid_capstyle="butt", alpha=0.6)
                axes.plot([x], [m], **{**LINES[0], "linestyle": "none", "markersize": 7})
                axes.annotate(
                    words.number(m, "points"), (x, m), xytext=(8, 0), textcoords="offset points", va="center"
                )
            axes.set_xticks(list(positions))
            axes.set_xticklabels([words.period(p) for p in terms])
            axes.set_xlim(-0.6, len(terms) - 0.4)
            axes.set_ylabel(words(N_("percentage points")))
            spread = [v for v in (*low, *high) if not math.isnan(v)]
            reach = max([1.0, *(abs(v) for v in spread)]) * 1.2
            axes.set_ylim(-reach, reach)
        png = _png(canvas, title)
    alt = words(
        N_(
            "For each term, the median change in estimated absence against each student's own first "
            "month, in percentage points, with the middle half of the students as a bar. Below zero: "
            "less absence."
        )
    )
    return Chart("attendance_paired", title, alt, png)


def engagement_dimensions(figures: ReportFigures, words: Words, school: str) -> Chart:
    months = [p for p in figures.periods if p.kind == "month"]
    title = words(N_("Engagement per dimension, median and middle half, per month (1-5)"))
    with _canvas(2.2, columns=4, sharey=True) as (canvas, panels):
        for axes, dimension in zip(panels, ENGAGEMENT_DIMENSIONS, strict=True):
            middle, low, high = (
                [_value(figures, school, "engagement", name, p.key, dimension) for p in months]
                for name in ("median", "q1", "q3")
            )
            axes.set_title(words.dimension(dimension).capitalize(), fontsize=8.5)
            axes.set_ylim(1, 5)
            if _all_nan(middle):
                axes.text(0.5, 0.5, "< 5", ha="center", va="center", transform=axes.transAxes, color=DARK)
                axes.set_xticks([])
                continue
            x = range(len(months))
            axes.fill_between(x, low, high, color=LIGHT, alpha=0.6, linewidth=0, step=None)
            axes.plot(x, middle, **LINES[0])
            step = max(1, math.ceil(len(months) / 4))
            axes.set_xticks(list(x)[::step])
            axes.set_xticklabels([words.period(p) for p in months][::step], rotation=90, fontsize=7)
            axes.set_xlim(-0.5, len(months) - 0.5)
        png = _png(canvas, title)
    alt = words(
        N_(
            "Four small line charts, one per engagement dimension (behavioural, academic, cognitive, "
            "affective): the median of the students' monthly means on the 1-5 scale, with a band "
            "from the lower to the upper quartile."
        )
    )
    return Chart("engagement_dimensions", title, alt, png)


def _stacked(
    axes: Axes,
    labels: Sequence[str],
    parts: Sequence[tuple[str, Sequence[float]]],
    words: Words,
    horizontal: bool = False,
) -> None:
    """Bars of shares adding up to 100 %, the withheld remainder drawn as an outlined blank."""
    positions = list(range(len(labels)))
    bottom = [0.0] * len(labels)
    bar: Callable[..., object] = axes.barh if horizontal else axes.bar
    for (label, values), style in zip(parts, BARS, strict=True):
        shown = [0.0 if math.isnan(v) else v for v in values]
        kwargs = {"left" if horizontal else "bottom": bottom}
        bar(positions, shown, 0.7, label=label, linewidth=0.6, edgecolor=style.get("edgecolor", DARK),
            color=style["color"], hatch=style["hatch"], **kwargs)  # fmt: skip
        bottom = [b + s for b, s in zip(bottom, shown, strict=True)]
    rest = [100.0 - b if b > 0 and 100.0 - b > 0.05 else 0.0 for b in bottom]
    if any(rest):
        kwargs = {"left" if horizontal else "bottom": bottom}
        bar(positions, rest, 0.7, color="white", edgecolor=MID, linestyle=":", linewidth=0.8,
            label=words(N_("withheld (fewer than 5)")), **kwargs)  # fmt: skip


def engagement_direction(figures: ReportFigures, words: Words, school: str) -> Chart:
    months = [p for p in figures.periods if p.kind == "month"]
    parts = [
        (
            words(word_text),
            [_value(figures, school, "engagement", "direction", p.key, word) for p in months],
        )
        for word, word_text in zip(DIRECTIONS, (N_("improving"), N_("steady"), N_("declining")), strict=True)
    ]
    title = words(N_("Students against their own first month, per month"))
    with _canvas(2.6) as (canvas, (axes,)):
        counted = [_value(figures, school, "engagement", "direction_students", p.key) for p in months]
        if _all_nan(counted):
            _nothing_to_draw(axes, words)
        else:
            _stacked(axes, [words.period(p) for p in months], parts, words)
            _month_axis(axes, months, words)
            _percent_axis(axes, words, top=101)
            axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        png = _png(canvas, title)
    alt = words(
        N_(
            "Stacked bars, one per month: the shares of students whose engagement was improving, stable "
            "or declining against their own first month in the programme (half a point or more)."
        )
    )
    return Chart("engagement_direction", title, alt, png)


def dosage(figures: ReportFigures, words: Words, school: str) -> Chart:
    months = [p for p in figures.periods if p.kind == "month"]
    x = list(range(len(months)))
    check_ins = [_value(figures, school, "dosage", "check_ins_per_student", p.key) for p in months]
    cadence = [_value(figures, school, "dosage", "prompts_per_student", p.key) for p in months]
    answered = [_value(figures, school, "dosage", "prompts_answered", p.key) for p in months]
    met = [_value(figures, school, "dosage", "met", p.key) for p in months]
    title = words(N_("Contact with each student, per month"))
    with _canvas(2.9, columns=2) as (canvas, (left, right)):
        if _all_nan(check_ins, cadence):
            _nothing_to_draw(left, words)
        else:
            shown = [0 if math.isnan(v) else v for v in check_ins]
            left.bar(
                x,
                shown,
                0.65,
                color=LIGHT,
                edgecolor=DARK,
                linewidth=0.6,
                label=words(N_("check-ins per student")),
            )
            asked = words(N_("asked by the cadence"))
            left.plot(x, cadence, **{**LINES[0], "linestyle": "none"}, label=asked)
            _month_axis(left, months, words)
            left.yaxis.set_major_locator(MaxNLocator(integer=True))
            # Room above the bars for the legend.
            left.set_ylim(0, max(1.0, _top([*check_ins, *cadence])) * 1.3)
            left.set_title(words(N_("check-ins per student")))
            left.legend(loc="upper left", fontsize=7, ncols=2)
        if _all_nan(answered, met):
            _nothing_to_draw(right, words)
        else:
            right.plot(x, answered, **LINES[0], label=words(N_("prompts answered")))
            right.plot(x, met, **LINES[1], label=words(N_("check-ins where they met")))
            _month_axis(right, months, words)
            _percent_axis(right, words, top=104)
            right.set_title(words(N_("shares")))
            right.legend(loc="lower left", fontsize=7, framealpha=0.9, frameon=True)
        png = _png(canvas, title)
    alt = words(
        N_(
            "Left: check-ins per student each month as bars, and how many the cadence asked for as dots. "
            "Right: the share of prompts answered and the share of check-ins where mentor and student met."
        )
    )
    return Chart("dosage", title, alt, png)


def early_warning(figures: ReportFigures, words: Words, school: str) -> Chart:
    rules = [rule for rule in figures.breakdowns(school, "early_warning", "raised") if rule]
    raised = [_value(figures, school, "early_warning", "raised", ALL, rule) for rule in rules]
    in_time = [_value(figures, school, "early_warning", "acknowledged_in_time", ALL, rule) for rule in rules]
    outcomes = [
        figures.get("early_warning", "outcome", ALL, outcome, school=school)
        for outcome in figures.breakdowns(school, "early_warning", "outcome")
    ]
    title = words(N_("Early-warning cases in the period"))
    with _canvas(2.2 + 0.12 * max(len(rules), len(outcomes)), columns=2) as (canvas, (left, right)):
        left.grid(axis="x")
        left.grid(axis="y", visible=False)
        right.grid(axis="x")
        right.grid(axis="y", visible=False)
        if _all_nan(raised):
            _nothing_to_draw(left, words)
        else:
            y = list(range(len(rules)))
            left.barh(y, [0 if math.isnan(v) else v for v in raised], 0.7, color=LIGHT, edgecolor=DARK,
                      linewidth=0.6, label=words(N_("raised")))  # fmt: skip
            in_time_label = words(N_("acknowledged within {days} school days"), days=ACKNOWLEDGE_SCHOOL_DAYS)
            left.barh(y, [0 if math.isnan(v) else v for v in in_time], 0.35, color=DARK, label=in_time_label)
            left.set_yticks(y)
            left.set_yticklabels([words.rule(rule) for rule in rules])
            left.invert_yaxis()
            _count_axis(left.xaxis, words)
            left.legend(loc="lower left", bbox_to_anchor=(0.0, 1.02))
        counts = [math.nan if f.value is None else float(f.value) for f in outcomes]
        if _all_nan(counts):
            _nothing_to_draw(right, words)
        else:
            y = list(range(len(outcomes)))
            right.barh(y, [0 if math.isnan(v) else v for v in counts], 0.7, color="white", edgecolor=DARK,
                       hatch="////", linewidth=0.6, label=words(N_("resolved, by outcome")))  # fmt: skip
            right.set_yticks(y)
            right.set_yticklabels([words.outcome(f.breakdown) for f in outcomes])
            right.invert_yaxis()
            _count_axis(right.xaxis, words)
            right.legend(loc="lower left", bbox_to_anchor=(0.0, 1.02))
        png = _png(canvas, title)
    alt = words(
        N_(
            "Left: cases raised per early-warning rule, with those acknowledged within {days} school days "
            "as a darker inner bar. Right: cases resolved in the period, by outcome."
        ),
        days=ACKNOWLEDGE_SCHOOL_DAYS,
    )
    return Chart("early_warning", title, alt, png)


def stories(figures: ReportFigures, words: Words, school: str) -> Chart:
    labels = {
        "turned_up": words(N_("turned clearly upward")),
        "no_clear_change": words(N_("no clear change")),
        "turned_down": words(N_("turned clearly downward")),
    }
    values = [_value(figures, school, "stories", "turned", ALL, part) for part in STORY_PARTS]
    title = words(N_("After a case was opened: the month before against the two months after"))
    with _canvas(1.9) as (canvas, (axes,)):
        axes.grid(axis="x")
        axes.grid(axis="y", visible=False)
        if _all_nan(values):
            _nothing_to_draw(axes, words)
        else:
            y = list(range(len(STORY_PARTS)))
            for n, (value, style) in enumerate(zip(values, BARS, strict=True)):
                if not math.isnan(value):
                    axes.barh([n], [value], 0.65, color=style["color"], hatch=style["hatch"],
                              edgecolor=style.get("edgecolor", DARK), linewidth=0.6)  # fmt: skip
                axes.annotate(
                    words.number(None if math.isnan(value) else int(value)),
                    (0 if math.isnan(value) else value, n),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                )
            axes.set_yticks(y)
            axes.set_yticklabels([labels[part] for part in STORY_PARTS])
            axes.invert_yaxis()
            _count_axis(axes.xaxis, words)
            axes.set_xlabel(words(N_("students")))
        png = _png(canvas, title)
    alt = words(
        N_(
            "Bars: of the students with a case and check-ins both before and after it, how many turned "
            "clearly upward (a point more engagement or a day less absence per check-in), showed no "
            "clear change, or turned clearly downward."
        )
    )
    return Chart("stories", title, alt, png)


def schools(figures: ReportFigures, words: Words) -> Chart:
    """The programme: check-ins per student a month in each school, against its cadence."""
    labels = [school for _, school in figures.schools]
    check_ins = [_value(figures, school, "dosage", "check_ins_per_student", ALL) for school in labels]
    cadence = [_value(figures, school, "dosage", "prompts_per_student", ALL) for school in labels]
    title = words(N_("Check-ins per student a month in each school"))
    with _canvas(1.2 + 0.2 * len(labels)) as (canvas, (axes,)):
        axes.grid(axis="x")
        axes.grid(axis="y", visible=False)
        if _all_nan(check_ins, cadence):
            _nothing_to_draw(axes, words)
        else:
            y = list(range(len(labels)))
            axes.barh(y, [0 if math.isnan(v) else v for v in check_ins], 0.65, color=LIGHT, edgecolor=DARK,
                      linewidth=0.6, label=words(N_("check-ins per student")))  # fmt: skip
            axes.plot(
                cadence, y, **{**LINES[0], "linestyle": "none"}, label=words(N_("asked by the cadence"))
            )
            axes.set_yticks(y)
            axes.set_yticklabels(labels)
            axes.invert_yaxis()
            axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
        png = _png(canvas, title)
    alt = words(
        N_(
            "Horizontal bars, one per school: check-ins per student a month over the whole period, with "
            "a dot for how many the cadence asked for. Schools with fewer than 5 students have no bar."
        )
    )
    return Chart("schools", title, alt, png)


def _top(values: Iterator[float] | Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return max(finite) * 1.15 if finite else 1.0


def all_charts(
    figures: ReportFigures, words: Words, school: str, progress: Callable[[str], None] | None = None
) -> list[Chart]:
    """Every chart of the report, in the order of its sections."""
    makers: list[Callable[[], Chart]] = [
        lambda: attendance_levels(figures, words, school),
        lambda: attendance_paired(figures, words, school),
        lambda: engagement_dimensions(figures, words, school),
        lambda: engagement_direction(figures, words, school),
        lambda: dosage(figures, words, school),
        lambda: early_warning(figures, words, school),
        lambda: stories(figures, words, school),
    ]
    if figures.programme:
        makers.append(lambda: schools(figures, words))
    charts = []
    for make in makers:
        chart = make()
        charts.append(chart)
        if progress:
            progress(chart.name)
    return charts
