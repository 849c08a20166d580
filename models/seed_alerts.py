"""What the student health team would have seen and done over a seeded term: alerts in every state.

The seeded check-ins go through the same rules as live ones (`models.rules.evaluate`), with the
bookkeeping of `handlers.early_warning.apply_results`: one unresolved alert per student and rule,
a new crossing updating it, and after the check-in rules the daily ones as this morning's run saw
them. Going through the ORM (a query per check-in) would make a large seed take hours, so this
works on the rows the seed is about to insert.

The EHT's steps follow each alert's age: the newest are still open, older ones acknowledged,
owned, and resolved with an outcome, sometimes with a follow-up date.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.calendar import SchoolCalendar
from models.checkin import ENGAGEMENT_DIMENSIONS
from models.rules import RULES_BY_ID, CheckInFacts, RuleResult, Situation, Thresholds, evaluate

# What the EHT may record as done (the ids of `handlers.early_warning.OUTCOME_WORDS`).
OUTCOMES = ("talked", "guardians", "eht_meeting", "referral", "other")
FOLLOW_UP_SHARE = 0.4
# The clock's morning run, when follow-ups are reminded (`schedules/follow_ups.py`).
MORNING = time(7, 0)


@dataclass(frozen=True)
class Team:
    """Who acts on a school's alerts, and what its calendar and thresholds are."""

    eht_member_id: int
    timezone: str
    calendar: SchoolCalendar
    thresholds: Thresholds


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


def term_alerts(
    rng: random.Random,
    team: Team,
    check_ins: Sequence[Mapping[str, Any]],
    mentored_since: date,
    now: datetime,
) -> list[dict[str, Any]]:
    """Alert rows (without ids and student) for one student's check-ins, oldest first, as at `now`."""
    zone = ZoneInfo(team.timezone)
    history = [facts(row, zone) for row in check_ins]
    alerts: list[dict[str, Any]] = []
    unresolved: dict[str, dict[str, Any]] = {}

    def apply(results: list[RuleResult], at: datetime) -> None:
        for rule, alert in list(unresolved.items()):
            if alert["resolved_at"] is not None and alert["resolved_at"] <= at:
                del unresolved[rule]
        for result in results:
            evidence = {**result.evidence, "trend": result.trend}
            alert = unresolved.get(result.rule)
            if alert is None:
                alert = unresolved[result.rule] = _raised(rng, team, result.rule, evidence, at, now)
                alerts.append(alert)
            elif alert["evidence"] != evidence:
                alert["evidence"], alert["updated_at"] = evidence, max(alert["updated_at"], at)

    for index, row in enumerate(check_ins):
        situation = Situation(history[index].on, history[: index + 1], mentored_since)
        apply(evaluate(situation, team.thresholds, team.calendar), row["recorded_at"])
    today = now.astimezone(zone).date()
    if team.calendar.is_school_day(today) and now.astimezone(zone).time() >= MORNING:
        situation = Situation(today, history, mentored_since)
        apply(evaluate(situation, team.thresholds, team.calendar, daily=True), now)
    for alert in alerts:
        if alert["resolved_at"] is not None and alert["resolved_at"] > now:
            alert["resolved_at"] = None  # planned, not yet happened
    return alerts


def _raised(
    rng: random.Random, team: Team, rule: str, evidence: dict[str, Any], at: datetime, now: datetime
) -> dict[str, Any]:
    """A new alert and what the EHT did with it by `now`, at a pace a busy team keeps."""
    acknowledged = at + timedelta(hours=rng.uniform(2, 48))
    owned = acknowledged + timedelta(hours=rng.uniform(0, 72))
    resolved = owned + timedelta(days=rng.uniform(2, 14))
    steps = (("resolved", resolved), ("owned", owned), ("acknowledged", acknowledged))
    status = next((name for name, moment in steps if moment <= now), "open")
    eht = team.eht_member_id
    alert: dict[str, Any] = {
        "rule": rule,
        "status": status,
        "evidence": evidence,
        "opened_at": at,
        "updated_at": at,
        "raised_at": at,
        "acknowledged_by_id": eht if status != "open" else None,
        "acknowledged_at": acknowledged if status != "open" else None,
        "owner_id": eht if status in ("owned", "resolved") else None,
        "resolved_by_id": None,
        "resolved_at": resolved,  # cleared by the caller when it lies after `now`
        "outcome": None,
        "follow_up_on": None,
        "follow_up_reminded_at": None,
        "investigation_started": None,
        "investigation_recorded_at": None,
        "message_ref": None,
    }
    if status in ("owned", "resolved"):
        alert["updated_at"] = owned
        if RULES_BY_ID[rule].about_absence:
            alert["investigation_started"] = rng.random() < 0.5
            alert["investigation_recorded_at"] = owned
    if status == "resolved":
        alert.update(resolved_by_id=eht, outcome=rng.choice(OUTCOMES), updated_at=resolved)
        if rng.random() < FOLLOW_UP_SHARE:
            _plan_follow_up(rng, team, alert, resolved, now)
    return alert


def _plan_follow_up(
    rng: random.Random, team: Team, alert: dict[str, Any], resolved: datetime, now: datetime
) -> None:
    """A follow-up one to three weeks on; one whose morning has passed was reminded then."""
    zone = ZoneInfo(team.timezone)
    follow_up = resolved.astimezone(zone).date() + timedelta(days=rng.randint(7, 21))
    alert["follow_up_on"] = follow_up
    reminder_day = team.calendar.next_school_day(follow_up)
    reminded = datetime.combine(reminder_day, MORNING, tzinfo=zone)
    if reminded <= now and reminder_day < now.astimezone(zone).date():
        alert["follow_up_reminded_at"] = reminded
