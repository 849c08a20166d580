"""Why was this student flagged: each rule crossed in plain words, the threshold beside the student's numbers.

The EHT judges a false positive by seeing how far over the line a student was, so a case card and
`history` say "Attendance 84% over the last 4 school weeks (threshold 90%)" rather than only the
rule's name. The sentence is built from the evidence stored on the `Alert` when the rule fired
(numbers and fixed identifiers, never the note), so it stays true after the school changes a
threshold. Evidence stored before the thresholds were kept in it falls back to the school's
current values for the missing ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from models.messages import N_, Message, msg
from models.rules import (
    DIMENSION_WORDS,
    DOMAIN_WORDS,
    MONTHLY,
    SCHOOL_WEEK,
    Thresholds,
    course_signals_message,
)

# Evidence key -> the threshold it was stored from, for evidence stored without it.
_FALLBACK = {
    "attendance": {"threshold": "attendance_percent", "weeks": "attendance_weeks"},
    "low_rating": {"floor": "rating_floor", "low": "rating_low", "in_a_row": "low_in_a_row"},
    "rating_drop": {"drop_points": "drop_points"},
    "no_contact": {"weeks": "no_contact_weeks"},
    "risk_of_f": {"threshold": "core_subjects_at_risk"},
    **{rule: {"threshold": threshold} for rule, (_, threshold) in MONTHLY.items()},
}
_MONTHLY_WORDS = {
    "absent_days": N_("{count} full days absent in the last 30 days (threshold {threshold})"),
    "skipped_lessons": N_("{count} unexcused lessons in the last 30 days (threshold {threshold})"),
    "late_arrivals": N_("{count} late arrivals in the last 30 days (threshold {threshold})"),
}


def _number(value: Any) -> float | int:
    """A stored number as the reader writes it: 84.0 as 84, 84.5 with the reader's decimal sign."""
    number = float(value)
    return int(number) if number.is_integer() else number


def why_flagged(rule_id: str, evidence: Mapping[str, Any], fallback: Thresholds) -> Message:
    """The rule crossed in one plain sentence: the student's own numbers and the threshold."""
    e = {key: fallback[name] for key, name in _FALLBACK.get(rule_id, {}).items()} | dict(evidence)
    if rule_id == "attendance":
        # Check-ins may cover fewer school days than the window (a new student): say which.
        template = (
            N_("Attendance {percent}% over the last {weeks} school weeks (threshold {threshold}%)")
            if e["school_days"] >= e["weeks"] * SCHOOL_WEEK
            else N_("Attendance {percent}% over the last {school_days} school days (threshold {threshold}%)")
        )
        return msg(
            template,
            percent=_number(e["percent"]),
            weeks=e["weeks"],
            school_days=e["school_days"],
            threshold=e["threshold"],
        )
    if rule_id in _MONTHLY_WORDS:
        return msg(_MONTHLY_WORDS[rule_id], count=e["count"], threshold=e["threshold"])
    if rule_id == "low_rating":
        return msg(
            N_(
                "{dimension} rated {rating}, latest ratings {ratings} (threshold: {floor} or lower, "
                "or {low} or lower {in_a_row} check-ins in a row)"
            ),
            dimension=msg(DIMENSION_WORDS[e["dimension"]]),
            rating=e["rating"],
            ratings=", ".join(str(r) for r in e["ratings"]),
            floor=e["floor"],
            low=e["low"],
            in_a_row=e["in_a_row"],
        )
    if rule_id == "rating_drop":
        return msg(
            N_(
                "{dimension} fell to {rating} from the student's own average of {average} "
                "(threshold: a drop of {drop_points} points)"
            ),
            dimension=msg(DIMENSION_WORDS[e["dimension"]]),
            rating=e["rating"],
            average=_number(e["average"]),
            drop_points=e["drop_points"],
        )
    if rule_id == "concern":
        if e.get("domain") in DOMAIN_WORDS:
            return msg(
                N_("The mentor raised a concern about {domain} (every concern is flagged)"),
                domain=msg(DOMAIN_WORDS[e["domain"]]),
            )
        return msg(N_("The mentor raised a concern (every concern is flagged)"))
    if rule_id == "no_contact":
        since = date.fromisoformat(e["since"])
        if e.get("contact"):
            return msg(
                N_("No check-in with contact since {since} (threshold {weeks} school weeks)"),
                since=since,
                weeks=e["weeks"],
            )
        return msg(
            N_(
                "No check-in with contact since the mentorship began on {since} "
                "(threshold {weeks} school weeks)"
            ),
            since=since,
            weeks=e["weeks"],
        )
    if rule_id == "risk_of_f":
        # The subjects and dates the school's system registered; never a teacher's comment.
        reason = msg(
            N_(
                "At risk of F in {count} of the core subjects Swedish, English and mathematics: "
                "{subjects} (threshold {threshold})"
            ),
            count=len(e["subjects"]),
            subjects=course_signals_message(e["subjects"]),
            threshold=e["threshold"],
        )
        if not e.get("final_year"):
            return reason
        return msg(
            N_(
                "{reason}. In grade 9 this puts upper-secondary eligibility at stake: it needs a pass in "
                "Swedish (or Swedish as a second language), English and mathematics"
            ),
            reason=reason,
        )
    raise KeyError(rule_id)
