"""Measured alert fatigue: how many messages the EHT channel gets, under the old policy and today's.

An EHT that gets many cards per child learns to ignore the channel, so `rules backtest` and the
bench count what the channel would have received on the same replayed alerts (`models.backtest.
crossings`) under two policies, with the same team pace for both:

- *before* (the old policy, as a counted model): one card per rule crossed, posted again every
  `reraise_days` school days while nobody acknowledged it. A rule whose earlier card is not yet
  resolved does not post a new one.
- *after* (one case per student): one card when a student's case opens; a rule crossed while the
  case is open updates that card in place (no new message); a case nobody acknowledged is posted
  once more after `reraise_days` school days, then goes to the coordinators, not the channel.

Nobody can know when the EHT would have acknowledged or resolved a replayed alert, so `Pace` says
it (in school days, by default a week to acknowledge and two weeks to resolve, as at a weekly EHT
meeting). Only messages posted by the period's last day count. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from models.calendar import SchoolCalendar

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Pace:
    """How quickly the team acts on a card, in school days after it is first posted."""

    acknowledged_after: int = 5
    resolved_after: int = 10


@dataclass(frozen=True)
class Fatigue:
    """Channel messages in a period under both policies, for `students` students over `days` days."""

    students: int
    days: int
    before: int
    after: int

    def per_student_month(self, messages: int) -> float:
        if not self.students or not self.days:
            return 0.0
        return messages / self.students / (self.days / DAYS_PER_MONTH)

    def per_week(self, messages: int) -> float:
        return messages * 7 / self.days if self.days else 0.0

    @property
    def ratio(self) -> float | None:
        """After as a share of before (the target is at most 1/4); None when before is 0."""
        return self.after / self.before if self.before else None


def fatigue(
    episodes: Sequence[Sequence[tuple[date, str]]],
    calendar: SchoolCalendar,
    start: date,
    end: date,
    reraise_days: int,
    pace: Pace = Pace(),
) -> Fatigue:
    """Count both policies over each student's `crossings` (day, rule), oldest first."""
    before = after = 0
    for student in episodes:
        per_rule = ((day, rule) for day, rule in student)
        per_case = ((day, "case") for day, _rule in student)
        before += _posts(per_rule, calendar, end, reraise_days, pace, repeat=True)
        after += _posts(per_case, calendar, end, reraise_days, pace, repeat=False)
    return Fatigue(len(episodes), (end - start).days + 1, before, after)


def _posts(
    crossings: Iterable[tuple[date, str]],
    calendar: SchoolCalendar,
    end: date,
    reraise_days: int,
    pace: Pace,
    repeat: bool,
) -> int:
    """Channel posts for crossings, each keyed by what holds one card (a rule before, the case after).

    A crossing while its card is unresolved is no new post. A new card is posted again every
    `reraise_days` school days until acknowledged (`repeat`), or only once more (not `repeat`).
    """
    resolved_on: dict[str, date] = {}
    posts = 0
    for day, key in crossings:
        if key in resolved_on and day < resolved_on[key]:
            continue
        resolved_on[key] = calendar.add_school_days(day, pace.resolved_after)
        posts += 1
        waited = reraise_days
        while waited < pace.acknowledged_after and calendar.add_school_days(day, waited) <= end:
            posts += 1
            if not repeat:
                break
            waited += reraise_days
    return posts
