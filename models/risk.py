"""How worried to be about a student: the risk level of their case, from the rules they cross.

An EHT reads the channel by urgency, so every case carries one of three levels, shown first on
its card: *watch* (something to keep an eye on), *at risk* (absence, a concern, lost contact, the
lowest rating a mentor gives, a risk of F in a core subject, or many signals at once) and *urgent*
(a concern about home, or attendance below the school's urgent threshold, 80 % unless changed).
Pure and small, like the rules: the school's thresholds decide the numbers
(`urgent_attendance_percent`, `at_risk_rules`), and `channel_risk` says which levels the EHT
channel gets at once (by default *at risk* and above; lower ones wait for the weekly summary).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from models.messages import N_
from models.rules import Thresholds


class RiskLevel(StrEnum):
    WATCH = "watch"
    AT_RISK = "at_risk"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """1 watch, 2 at risk, 3 urgent: the numbers `threshold set channel_risk` takes."""
        return RISK_ORDER.index(self) + 1


RISK_ORDER = (RiskLevel.WATCH, RiskLevel.AT_RISK, RiskLevel.URGENT)
RISK_WORDS = {
    RiskLevel.WATCH.value: N_("Watch"),
    RiskLevel.AT_RISK.value: N_("At risk"),
    RiskLevel.URGENT.value: N_("Urgent"),
}
# Shown before the words, so the level is seen before anything is read.
RISK_MARKS = {RiskLevel.WATCH.value: "🟡", RiskLevel.AT_RISK.value: "🟠", RiskLevel.URGENT.value: "🔴"}

# Rules that make a case at least "at risk" on their own: absence, a concern, no contact, a risk of F
# in a core subject.
AT_RISK_RULES = frozenset(
    {"attendance", "absent_days", "skipped_lessons", "concern", "no_contact", "risk_of_f"}
)


def risk_of(crossed: Iterable[tuple[str, Mapping[str, Any]]], thresholds: Thresholds) -> RiskLevel:
    """The level of a case from the rules it crosses now, each with its evidence.

    A case whose rules have all cleared is *watch*: it stays open until the EHT closes it.
    """
    crossed = list(crossed)
    for rule, evidence in crossed:
        if rule == "concern" and evidence.get("domain") == "home":
            return RiskLevel.URGENT
        if (
            rule == "attendance"
            and float(evidence.get("percent", 100)) < thresholds["urgent_attendance_percent"]
        ):
            return RiskLevel.URGENT
    if len(crossed) >= thresholds["at_risk_rules"] or any(
        rule in AT_RISK_RULES or _at_the_floor(rule, evidence) for rule, evidence in crossed
    ):
        return RiskLevel.AT_RISK
    return RiskLevel.WATCH


def _at_the_floor(rule: str, evidence: Mapping[str, Any]) -> bool:
    """The lowest rating a mentor gives (1 unless the school changed it), not a run of low ones."""
    return rule == "low_rating" and int(evidence.get("rating", 99)) <= int(evidence.get("floor", 0))


def posted_at_once(risk: RiskLevel | str, thresholds: Thresholds) -> bool:
    """Whether a case at this level goes to the EHT channel at once (else: the weekly summary)."""
    return RiskLevel(risk).rank >= thresholds["channel_risk"]
