"""Backtest: what a set of thresholds would have raised on check-ins already stored. Pure, no I/O.

A school tunes its thresholds before changing them: the same rules as in production are replayed
over each student's history. Check-in rules are evaluated at every check-in in the period (with
the whole history before it as context); the time-based rules (no contact, a risk of F from the
course signals as the school's system registered them by that day) on every school day in the
period while the student had a mentor.

Counting alerts: the live system keeps one alert per student and rule open until the EHT resolves
it, and nobody can know when that would have been. So an *alert* here is an episode: the rule
fires at an evaluation after not firing at the student's previous one. A run of consecutive
firing evaluations is one alert, as it would be one alert updated in place.

Beside the replay, what the EHT actually did: per rule, the stored cases that crossed it and how
many of those the EHT closed as *not relevant* (`verdicts`): the school's precision for the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, NamedTuple

from models.calendar import SchoolCalendar
from models.rules import RULES, CheckInFacts, CourseMark, RegisteredDay, Situation, Thresholds, evaluate


@dataclass(frozen=True)
class StudentRecord:
    """One student's stored history: check-ins oldest first, mentorship periods (end None: active),
    the school days the school's system registered and its course signals, oldest first, and the
    student's grade."""

    history: Sequence[CheckInFacts]
    mentorships: Sequence[tuple[date, date | None]] = ()
    registered: Sequence[RegisteredDay] = ()
    courses: Sequence[CourseMark] = ()
    school_year: int | None = None

    def registered_until(self, day: date) -> list[RegisteredDay]:
        return [d for d in self.registered if d.on <= day]

    def mentored_since(self, day: date) -> date | None:
        for start, end in self.mentorships:
            if start <= day and (end is None or day <= end):
                return start
        return None


class Crossing(NamedTuple):
    """A rule a student started to cross on a day, with the evidence it fired with (numbers only)."""

    on: date
    rule: str
    evidence: Mapping[str, Any] = {}


@dataclass(frozen=True)
class BacktestRow:
    rule: str
    alerts: int
    students: int
    # Stored cases that crossed the rule, those the EHT closed, and those closed as not relevant.
    cases: int = 0
    closed: int = 0
    not_relevant: int = 0

    @property
    def precision(self) -> float | None:
        """The share of the closed cases the EHT found relevant; None before any was closed."""
        return (self.closed - self.not_relevant) / self.closed if self.closed else None


@dataclass(frozen=True)
class Verdict:
    """A stored case as the precision sees it: the rules it crossed and how the EHT closed it."""

    rules: frozenset[str]
    outcome: str | None  # None while open


NOT_RELEVANT = "not_relevant"


def with_verdicts(rows: Sequence[BacktestRow], verdicts: Iterable[Verdict]) -> list[BacktestRow]:
    """The rows with, per rule, the cases that crossed it, how many were closed, and as not relevant."""
    counts = {row.rule: [0, 0, 0] for row in rows}
    for verdict in verdicts:
        for rule in verdict.rules & counts.keys():
            counts[rule][0] += 1
            counts[rule][1] += verdict.outcome is not None
            counts[rule][2] += verdict.outcome == NOT_RELEVANT
    return [replace(row, cases=c, closed=d, not_relevant=n) for row in rows for c, d, n in [counts[row.rule]]]


def backtest(episodes: Iterable[Sequence[Crossing]]) -> list[BacktestRow]:
    """Per rule (in the order of RULES): alerts that would have been raised, and for how many students.

    `episodes`: each student's `crossings`.
    """
    alerts = {rule.id: 0 for rule in RULES}
    students: dict[str, int] = {rule.id: 0 for rule in RULES}
    for student in episodes:
        for rule_id in {crossing.rule for crossing in student}:
            students[rule_id] += 1
        for crossing in student:
            alerts[crossing.rule] += 1
    return [BacktestRow(rule.id, alerts[rule.id], students[rule.id]) for rule in RULES]


def crossings(
    record: StudentRecord, thresholds: Thresholds, calendar: SchoolCalendar, start: date, end: date
) -> list[Crossing]:
    """Each alert (episode) of one student in the period, as the day it started, its rule and
    evidence, by day."""
    found: list[Crossing] = []
    firing: set[str] = set()
    # Check-in rules, at each check-in in the period.
    for index, check_in in enumerate(record.history):
        if not start <= check_in.on <= end:
            continue
        situation = Situation(
            check_in.on,
            record.history[: index + 1],
            record.mentored_since(check_in.on),
            record.registered_until(check_in.on),
        )
        results = {r.rule: r.evidence for r in evaluate(situation, thresholds, calendar)}
        found += [Crossing(check_in.on, rule, results[rule]) for rule in sorted(results.keys() - firing)]
        firing = set(results)
    # Time-based rules, on each school day in the period while the student had a mentor (the clock
    # runs them for mentored students only).
    firing = set()
    day = start
    while day <= end:
        if calendar.is_school_day(day):
            past = [c for c in record.history if c.on <= day]
            mentored_since = record.mentored_since(day)
            situation = Situation(
                day, past, mentored_since, courses=record.courses, school_year=record.school_year
            )
            fired = evaluate(situation, thresholds, calendar, daily=True) if mentored_since else []
            results = {r.rule: r.evidence for r in fired}
            found += [Crossing(day, rule, results[rule]) for rule in sorted(results.keys() - firing)]
            firing = set(results)
        day += timedelta(days=1)
    return sorted(found, key=lambda crossing: crossing.on)
