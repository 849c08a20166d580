"""Backtest: what a set of thresholds would have raised on check-ins already stored. Pure, no I/O.

A school tunes its thresholds before changing them: the same rules as in production are replayed
over each student's history. Check-in rules are evaluated at every check-in in the period (with
the whole history before it as context); the time-based rules on every school day in the period
while the student had a mentor.

Counting alerts: the live system keeps one alert per student and rule open until the EHT resolves
it, and nobody can know when that would have been. So an *alert* here is an episode: the rule
fires at an evaluation after not firing at the student's previous one. A run of consecutive
firing evaluations is one alert, as it would be one alert updated in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from models.calendar import SchoolCalendar
from models.rules import RULES, CheckInFacts, RegisteredDay, Situation, Thresholds, evaluate


@dataclass(frozen=True)
class StudentRecord:
    """One student's stored history: check-ins oldest first, mentorship periods (end None: active),
    and the school days the school's system registered, oldest first."""

    history: Sequence[CheckInFacts]
    mentorships: Sequence[tuple[date, date | None]] = ()
    registered: Sequence[RegisteredDay] = ()

    def registered_until(self, day: date) -> list[RegisteredDay]:
        return [d for d in self.registered if d.on <= day]

    def mentored_since(self, day: date) -> date | None:
        for start, end in self.mentorships:
            if start <= day and (end is None or day <= end):
                return start
        return None


@dataclass(frozen=True)
class BacktestRow:
    rule: str
    alerts: int
    students: int


def backtest(
    records: Iterable[StudentRecord],
    thresholds: Thresholds,
    calendar: SchoolCalendar,
    start: date,
    end: date,
) -> list[BacktestRow]:
    """Per rule (in the order of RULES): alerts that would have been raised, and for how many students."""
    alerts = {rule.id: 0 for rule in RULES}
    students: dict[str, int] = {rule.id: 0 for rule in RULES}
    for record in records:
        raised: set[str] = set()
        for rule_id, count in _episodes(record, thresholds, calendar, start, end).items():
            alerts[rule_id] += count
            if count:
                raised.add(rule_id)
        for rule_id in raised:
            students[rule_id] += 1
    return [BacktestRow(rule.id, alerts[rule.id], students[rule.id]) for rule in RULES]


def _episodes(
    record: StudentRecord, thresholds: Thresholds, calendar: SchoolCalendar, start: date, end: date
) -> dict[str, int]:
    counts: dict[str, int] = {}
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
        now_firing = {r.rule for r in evaluate(situation, thresholds, calendar)}
        for rule_id in now_firing - firing:
            counts[rule_id] = counts.get(rule_id, 0) + 1
        firing = now_firing
    # Time-based rules, on each school day in the period.
    firing = set()
    day = start
    while day <= end:
        if calendar.is_school_day(day):
            past = [c for c in record.history if c.on <= day]
            situation = Situation(day, past, record.mentored_since(day))
            now_firing = {r.rule for r in evaluate(situation, thresholds, calendar, daily=True)}
            for rule_id in now_firing - firing:
                counts[rule_id] = counts.get(rule_id, 0) + 1
            firing = now_firing
        day += timedelta(days=1)
    return counts
