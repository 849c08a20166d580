"""The chat answer to `report`: a school's key figures this month as label and value, and one chart.

Every platform shows the same: the console prints the figures and the path of the chart it wrote,
Slack uploads the chart to the coordinator's direct messages, Teams puts it in the card as an
image. The chart is the report's own (the share of students by estimated absence, per month of
the school year), drawn smaller and in 16 greys: a chat needs no print resolution, and a Teams
card carries its image inline, in a message of at most about 28 KB.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.reports.charts import Chart, attendance_levels
from bot.reports.text import Words, period_title
from handlers.results import MonthReport
from models.messages import N_

CHAT_DPI = 110
GREYS = 16


def month_heading(words: Words, report: MonthReport) -> str:
    period = period_title(words, report.first, report.last)
    if not report.school:
        return words(N_("Key figures, {period}:"), period=period)
    return words(N_("Key figures for {school}, {period}:"), school=report.school, period=period)


def month_facts(words: Words, report: MonthReport) -> list[tuple[str, str]]:
    """(label, value) of each key figure; a withheld one reads "< 5"."""
    return [(words(key.label), words.figure(key.figure)) for key in report.key_figures]


def month_lines(language: str, report: MonthReport) -> list[str]:
    words = Words(language)
    facts = month_facts(words, report)
    return [month_heading(words, report), *(f"  {label}: {value}" for label, value in facts)]


def month_chart(language: str, report: MonthReport) -> Chart:
    """The report's attendance chart over the school year so far, as a small greyscale PNG."""
    drawn = attendance_levels(report.chart, Words(language), report.label, dpi=CHAT_DPI)
    grey = Image.open(io.BytesIO(drawn.png)).convert("L").quantize(GREYS)
    out = io.BytesIO()
    grey.save(out, format="PNG", optimize=True)
    return Chart(drawn.name, drawn.title, drawn.alt, out.getvalue())


def chart_file_name(report: MonthReport) -> str:
    return f"report-{report.last:%Y-%m}-{report.report_id}.png"


def write_chart(language: str, report: MonthReport, directory: Path) -> Path:
    """The chart as a PNG file in `directory` (made private to its owner if new): the console's way."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / chart_file_name(report)
    path.write_bytes(month_chart(language, report).png)
    return path
