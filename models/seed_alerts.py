"""What the student health team would have seen and done over a seeded term: cases in every state.

The seeded check-ins go through the same rules as live ones (`models.rules.evaluate`), with the
bookkeeping of `handlers.early_warning.apply_results`: one open case per student holding every
rule crossed, a new crossing updating it, a rule that no longer holds cleared, and after the
check-in rules the daily ones as this morning's run saw them. Going through the ORM (a query per
check-in) would make a large seed take hours, so this works on the rows the seed is about to insert.

The EHT's steps follow each case's age: the newest are still open, older ones acknowledged,
owned, and resolved with an outcome, sometimes with a follow-up date. A student who crosses a
rule after their case was resolved gets a new case.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.calendar import SchoolCalendar
from models.checkin import ENGAGEMENT_DIMENSIONS
from models.risk import risk_of
from models.rules import RULES_BY_ID, CheckInFacts, RuleResult, Situation, Thresholds, clears, evaluate

# What the EHT may record as done (the ids of `handlers.early_warning.OUTCOME_WORDS`).
OUTCOMES = ("talked", "guardians", "eht_meeting", "referral", "not_relevant", "other")
FOLLOW_UP_SHARE = 0.4
# The clock's morning run, when follow-ups are reminded (`schedules/follow_ups.py`).
MORNING = time(7, 0)


@dataclass(frozen=True)
class Team:
    """Who acts on a school's cases, and what its calendar and thresholds are."""

    eht_member_id: int
    timezone: str
    calendar: SchoolCalendar
    thresholds: Thresholds


@dataclass
class SeededCase:
    """A case row (without id and student) and the rows of the rules it holds, by rule."""

    case: dict[str, Any]
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)


def facts(row: Mapping[str, Any], zone: ZoneInfo) -> CheckInFacts:
    """A seeded check-in row as the rules see it (no free text)."""
    return CheckInFacts(
        on=row["recorded_at"].astimezone(zone).date(),
        met=row["met"],
        absent_days=row["absent_days"],
        absent_lessons=row["absent_lessons"],
        unexcused_days=row["unexcused_days"],
        unexcused_lessons=row["unexcused_lessons"],
        late_arrivals=row["late_arrivals"],
        ratings=tuple(row[d] for d in ENGAGEMENT_DIMENSIONS),
        concern=row["concern"],
        concern_domain=row["concern_domain"],
    )


def term_cases(
    rng: random.Random,
    team: Team,
    check_ins: Sequence[Mapping[str, Any]],
    mentored_since: date,
    now: datetime,
) -> list[SeededCase]:
    """The cases of one student's check-ins, oldest first, as they stand at `now`."""
    zone = ZoneInfo(team.timezone)
    history = [facts(row, zone) for row in check_ins]
    cases: list[SeededCase] = []

    def apply(results: list[RuleResult], situation: Situation, at: datetime) -> None:
        current = cases[-1] if cases else None
        resolved_at = current.case["resolved_at"] if current else None
        if resolved_at is not None and resolved_at <= at:
            current = None
        if current is None:
            if not results:
                return
            current = SeededCase(_opened(rng, team, at, now))
            cases.append(current)
        for result in results:
            evidence = {**result.evidence, "trend": result.trend}
            alert = current.alerts.get(result.rule)
            if alert is None:
                current.alerts[result.rule] = {
                    "rule": result.rule,
                    "evidence": evidence,
                    "opened_at": at,
                    "updated_at": at,
                    "cleared_at": None,
                    "withdrawn_at": None,
                }
            elif alert["cleared_at"] is not None or alert["evidence"] != evidence:
                alert.update(evidence=evidence, cleared_at=None, updated_at=max(alert["updated_at"], at))
        fired = {result.rule for result in results}
        for rule, alert in current.alerts.items():
            if (
                rule not in fired
                and alert["cleared_at"] is None
                and clears(rule, alert["evidence"], situation, team.thresholds, team.calendar)
            ):
                alert["cleared_at"] = alert["updated_at"] = at

    for index, row in enumerate(check_ins):
        situation = Situation(history[index].on, history[: index + 1], mentored_since)
        apply(evaluate(situation, team.thresholds, team.calendar), situation, row["recorded_at"])
    today = now.astimezone(zone).date()
    if team.calendar.is_school_day(today) and now.astimezone(zone).time() >= MORNING:
        situation = Situation(today, history, mentored_since)
        apply(evaluate(situation, team.thresholds, team.calendar, daily=True), situation, now)
    for seeded in cases:
        _finish(rng, team, seeded, now)
    return cases


def _opened(rng: random.Random, team: Team, at: datetime, now: datetime) -> dict[str, Any]:
    """A new case and what the EHT did with it by `now`, at a pace a busy team keeps."""
    acknowledged = at + timedelta(hours=rng.uniform(2, 48))
    owned = acknowledged + timedelta(hours=rng.uniform(0, 72))
    resolved = owned + timedelta(days=rng.uniform(2, 14))
    steps = (("resolved", resolved), ("owned", owned), ("acknowledged", acknowledged))
    status = next((name for name, moment in steps if moment <= now), "open")
    eht = team.eht_member_id
    case: dict[str, Any] = {
        "status": status,
        "risk": "watch",
        "opened_at": at,
        "updated_at": at,
        "raised_at": at,
        "reraised_at": None,
        "escalated_at": None,
        "acknowledged_by_id": eht if status != "open" else None,
        "acknowledged_at": acknowledged if status != "open" else None,
        "owner_id": eht if status in ("owned", "resolved") else None,
        "resolved_by_id": None,
        "resolved_at": resolved,  # cleared by `_finish` when it lies after `now`
        "outcome": None,
        "follow_up_on": None,
        "follow_up_reminded_at": None,
        "investigation_started": None,
        "investigation_recorded_at": None,
        "message_ref": None,
    }
    if status in ("owned", "resolved"):
        case["updated_at"] = owned
    if status == "resolved":
        case.update(resolved_by_id=eht, outcome=rng.choice(OUTCOMES), updated_at=resolved)
        if rng.random() < FOLLOW_UP_SHARE:
            _plan_follow_up(rng, team, case, resolved, now)
    return case


def _finish(rng: random.Random, team: Team, seeded: SeededCase, now: datetime) -> None:
    """The case as it stands at `now`: its risk from the rules it crosses, the investigation
    question answered when the owner took an absence case, and a resolution not yet due undone."""
    case, alerts = seeded.case, list(seeded.alerts.values())
    if case["resolved_at"] is not None and case["resolved_at"] > now:
        case["resolved_at"] = None  # planned, not yet happened
    live = [(a["rule"], a["evidence"]) for a in alerts if a["cleared_at"] is None]
    case["risk"] = risk_of(live, team.thresholds).value
    case["updated_at"] = max([case["updated_at"], *(a["updated_at"] for a in alerts)])
    if case["status"] in ("owned", "resolved") and any(RULES_BY_ID[a["rule"]].about_absence for a in alerts):
        case["investigation_started"] = rng.random() < 0.5
        case["investigation_recorded_at"] = case["acknowledged_at"]


def _plan_follow_up(
    rng: random.Random, team: Team, case: dict[str, Any], resolved: datetime, now: datetime
) -> None:
    """A follow-up one to three weeks on; one whose morning has passed was reminded then."""
    zone = ZoneInfo(team.timezone)
    follow_up = resolved.astimezone(zone).date() + timedelta(days=rng.randint(7, 21))
    case["follow_up_on"] = follow_up
    reminder_day = team.calendar.next_school_day(follow_up)
    reminded = datetime.combine(reminder_day, MORNING, tzinfo=zone)
    if reminded <= now and reminder_day < now.astimezone(zone).date():
        case["follow_up_reminded_at"] = reminded
