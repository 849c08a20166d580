"""The report's words and numbers in the reader's language: labels, periods, and figures as shown.

Every label is an English source text marked with `N_` and translated from bot/locale/sv/reports.po,
so the report is Swedish by default and English on request. A withheld figure is "< 5" in every
language: fewer than five students are behind it.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.i18n import LOCALES, translate
from handlers.early_warning import OUTCOME_WORDS
from handlers.reports.figures import ALL, Figure, Period
from models.checkin import ENGAGEMENT_DIMENSIONS
from models.messages import N_, Message, msg
from models.rules import RULES_BY_ID

WITHHELD = "< 5"

DIMENSION_WORDS = {
    "behavioural": N_("behavioural"),
    "academic": N_("academic"),
    "cognitive": N_("cognitive"),
    "affective": N_("affective"),
}
assert set(DIMENSION_WORDS) == set(ENGAGEMENT_DIMENSIONS)


class Words:
    """Translation and number formatting for one report language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LOCALES else "sv"
        self.locale = LOCALES[self.language]

    def __call__(self, text: str | Message, **params: object) -> str:
        return translate(self.language, msg(text, **params) if isinstance(text, str) else text)

    def date(self, day: date) -> str:
        return format_date(day, "d MMMM yyyy", locale=self.locale)

    def month(self, day: date, short: bool = True) -> str:
        return format_date(day, "LLL yyyy" if short else "LLLL yyyy", locale=self.locale)

    def period(self, period: Period, short: bool = True) -> str:
        if period.kind == "month":
            return self.month(period.first, short)
        if period.kind == "term":
            year, season = period.key.split("-")
            return self(N_("autumn {year}") if season == "autumn" else N_("spring {year}"), year=year)
        return self(N_("whole period"))

    def rule(self, rule: str) -> str:
        known = RULES_BY_ID.get(rule)
        return self(known.title) if known else rule

    def outcome(self, outcome: str) -> str:
        return self(OUTCOME_WORDS.get(outcome, OUTCOME_WORDS["other"]))

    def dimension(self, dimension: str) -> str:
        return self(DIMENSION_WORDS[dimension])

    def number(self, value: float | int | None, unit: str = "count") -> str:
        """A figure as shown: whole counts, one decimal otherwise; percent with its sign."""
        if value is None:
            return WITHHELD
        if unit == "count":
            return format_decimal(value, "#,##0", locale=self.locale)
        text = format_decimal(abs(value) if unit == "points" else value, "#,##0.0", locale=self.locale)
        if unit == "points":
            # A change: always signed (a minus sign, not a hyphen), in percentage points.
            text = ("+" if value > 0 else "\u2212" if value < 0 else "\u00b1") + text
        if unit == "percent":
            return self(N_("{number}%"), number=text)
        return text

    def percent_tick(self, value: float) -> str:
        """An axis tick: a whole percentage."""
        return self(N_("{number}%"), number=format_decimal(round(value), "#,##0", locale=self.locale))

    def figure(self, figure: Figure) -> str:
        return self.number(figure.value, figure.unit)


def period_title(words: Words, first: date, last: date) -> str:
    return words(N_("{first} to {last}"), first=words.date(first), last=words.date(last))


def is_whole(period: Period) -> bool:
    return period.key == ALL
