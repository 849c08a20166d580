"""Measured alert fatigue: how many messages the EHT channel gets, under the old policy and today's.

An EHT that gets many cards per child learns to ignore the channel, so `rules backtest` and the
bench count what the channel would have received on the same replayed alerts (`models.backtest.
crossings`) under two policies, with the same team pace for both:

- *before* (the old policy, as a counted model): one card per rule crossed, posted again every
  3 school days while nobody acknowledged it. A rule whose earlier card is not yet
  resolved does not post a new one.
- *after* (one case per student): one card when a student's case first reaches the level the
  channel gets at once (`channel_risk`: by default *at risk*; a *watch* case waits for the weekly
  summary, and is posted the day a later rule raises its level); a rule crossed while the case is
  open updates that card in place (no new message); a case nobody acknowledged is posted once more
  after `reraise_days` school days, then goes to the coordinators, not the channel.

The weekly summary is one message a week in the channel under both policies and is not counted.
A case's level is reckoned from every rule crossed since it opened (the replay does not know when a
rule would have cleared), so the model errs towards posting.

Nobody can know when the EHT would have acknowledged or resolved a replayed alert, so `Pace` says
it (in school days, by default a week to acknowledge and two weeks to resolve, as at a weekly EHT
meeting). Only messages posted by the period's last day count. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from models.backtest import Crossing
from models.calendar import SchoolCalendar
from models.risk import posted_at_once, risk_of
from models.rules import Thresholds

DAYS_PER_MONTH = 365.25 / 12
# The old policy reposted an unacknowledged card every 3 school days, whatever the school set since.
OLD_RERAISE_DAYS = 3


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
    episodes: Sequence[Sequence[Crossing]],
    calendar: SchoolCalendar,
    start: date,
    end: date,
    thresholds: Thresholds,
    pace: Pace = Pace(),
) -> Fatigue:
    """Count both policies over each student's `crossings`, oldest first."""
    before = after = 0
    for student in episodes:
        before += _cards_per_rule(student, calendar, end, OLD_RERAISE_DAYS, pace)
        after += _cases(student, calendar, end, thresholds, pace)
    return Fatigue(len(episodes), (end - start).days + 1, before, after)


def _cards_per_rule(
    crossings: Iterable[Crossing], calendar: SchoolCalendar, end: date, reraise_days: int, pace: Pace
) -> int:
    """The old policy: a card per rule, reposted every `reraise_days` school days until acknowledged.

    A rule crossed again while its card is unresolved posts nothing new.
    """
    resolved_on: dict[str, date] = {}
    posts = 0
    for day, rule, _evidence in crossings:
        if rule in resolved_on and day < resolved_on[rule]:
            continue
        resolved_on[rule] = calendar.add_school_days(day, pace.resolved_after)
        waited = 0
        while waited < pace.acknowledged_after and calendar.add_school_days(day, waited) <= end:
            posts += 1
            waited += reraise_days
    return posts


def _cases(
    crossings: Iterable[Crossing], calendar: SchoolCalendar, end: date, thresholds: Thresholds, pace: Pace
) -> int:
    """Today's policy: one card per case once its level reaches the channel, re-raised once at most."""
    posts = 0
    resolved_on: date | None = None
    rules: dict[str, Mapping[str, Any]] = {}
    posted = False
    for day, rule, evidence in crossings:
        if resolved_on is None or day >= resolved_on:  # a new case opens
            resolved_on = calendar.add_school_days(day, pace.resolved_after)
            rules, posted = {}, False
        rules[rule] = evidence
        if posted or not posted_at_once(risk_of(rules.items(), thresholds), thresholds):
            continue
        posted = True
        posts += 1
        reraise_on = calendar.add_school_days(day, thresholds["reraise_days"])
        if thresholds["reraise_days"] < pace.acknowledged_after and reraise_on <= end:
            posts += 1
    return posts
