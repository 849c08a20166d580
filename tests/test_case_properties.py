"""Properties of cases over any sequence of check-ins and team steps, on real databases.

Whatever mentors log (any answers, any days, withdrawn or not) and whatever the team does, and
however often the clock runs: a student has at most one open case; a case is posted at most twice
(once, and raised again once), then its coordinators are told once; a case someone acknowledged,
owned or answered the investigation question on is never raised again. Plus the pure risk and
clearing rules the cases rest on.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from handlers.early_warning import evaluate_all, remember_message, reraise_due
from handlers.results import AlertNotice, Notification, RecipientKind
from models import AlertCase, AlertStatus, AuditEvent, Student
from models.calendar import SchoolCalendar
from models.db import Database
from models.risk import RiskLevel, risk_of
from models.rules import CheckInFacts, Situation, clears, thresholds_for
from tests.driver import Driver

START = datetime(2026, 9, 7, 7, tzinfo=UTC)  # a Monday morning in Stockholm
rating = st.sampled_from(["1", "1", "2", "3", "4", "5"])
check_in = st.fixed_dictionaries(
    {
        "absent_days": st.sampled_from(["0", "0", "0", "1", "3"]),
        "late_arrivals": st.sampled_from(["0", "0", "2", "5"]),
        "behavioural": rating,
        "affective": rating,
        "concern": st.sampled_from(["no", "no", "no", "yes"]),
        "concern_domain": st.sampled_from(["individual", "home", "school"]),
        "note": st.just("Mormor är sjuk"),
    }
)
# Check-ins and the clock's daily run most often, so cases are opened, left and raised again.
KINDS = ["checkin"] * 4 + ["clock"] * 6 + ["ack", "own", "investigation", "resolve", "undo"]
step = st.tuples(st.sampled_from(KINDS), check_in)
# Hours until the next step: days on, the next day, or the same day.
pause = st.sampled_from([24 * 7, 24 * 4, 48, 24, 3, 1])
COMMANDS = {
    "ack": "alert ack {id}",
    "own": "alert own {id}",
    "investigation": "alert investigation {id} yes",
    "resolve": "alert resolve {id} talked",
}


@dataclass
class Posts:
    """What the EHT channel would show of each case: new posts and reraised ones, by case."""

    new: dict[int, int]
    reraised_status: dict[int, list[str]]


_students = itertools.count(1)


@pytest.fixture
def team(db: Database) -> Driver:
    bot = Driver(db)
    bot.now = START - timedelta(days=7)
    bot.say("admin", "role add @erik eht")
    bot.say("admin", "role add @cora coordinator")
    bot.say("admin", "eht #eht")
    return bot


def _deliver(bot: Driver, code: str, notifications: list[Notification], posts: Posts) -> None:
    """As the outbox does: a card posted anew is remembered, so later changes update it in place."""
    for notification in notifications:
        content = notification.content
        if not isinstance(content, AlertNotice) or content.student_code != code:
            continue
        assert notification.to.kind is RecipientKind.CHANNEL
        if notification.replaces is None:
            posts.new[content.case_id] += 1
            with bot.db.transaction() as session:
                remember_message(
                    session, content.case_id, f"eht:{content.case_id}:{posts.new[content.case_id]}"
                )
        if content.reraised:
            posts.reraised_status[content.case_id].append(content.status)


def _open_cases(bot: Driver, code: str) -> list[AlertCase]:
    with bot.db.transaction() as session:
        return list(
            session.scalars(
                select(AlertCase)
                .join(Student, Student.id == AlertCase.student_id)
                .where(Student.code == code, AlertCase.status != AlertStatus.RESOLVED)
            )
        )


WORRYING = {
    "absent_days": "0",
    "late_arrivals": "5",
    "behavioural": "3",
    "affective": "1",
    "concern": "no",
    "concern_domain": "home",
    "note": "Mormor är sjuk",
}
WEEK = 24 * 7


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(step, pause), min_size=1, max_size=20))
# Left alone: raised again once, then the coordinators are told, then nothing more.
@example(steps=[(("checkin", WORRYING), 1)] + [(("clock", WORRYING), WEEK)] * 4)
# Acknowledged after it was raised again: nothing more.
@example(
    steps=[
        (("checkin", WORRYING), 1),
        (("clock", WORRYING), WEEK),
        (("ack", WORRYING), 1),
        (("clock", WORRYING), WEEK),
        (("checkin", WORRYING), 24),
        (("clock", WORRYING), WEEK),
    ]
)
# Investigated (the question answered) before anyone acknowledged it: never raised again.
@example(
    steps=[
        (("checkin", {**WORRYING, "absent_days": "3"}), 1),
        (("investigation", WORRYING), 1),
        (("clock", WORRYING), WEEK),
        (("clock", WORRYING), WEEK),
    ]
)
def test_any_sequence_keeps_one_open_case_and_the_reraise_policy(
    team: Driver, steps: list[tuple[tuple[str, dict[str, str]], int]]
) -> None:
    code = f"P-{next(_students):03d}"
    team.now = START
    team.say("admin", f"student add {code}")
    team.say("admin", f"assign {code} @anna")
    posts = Posts(defaultdict(int), defaultdict(list))
    escalations: list[int] = []
    for (kind, answers), hours in steps:
        team.now += timedelta(hours=hours)
        open_cases = _open_cases(team, code)
        if kind == "checkin":
            reply = team.check_in("anna", code, **answers, unexcused_days="0")
            assert not reply.outcome.refused, reply.text
            _deliver(team, code, reply.outcome.notifications, posts)
        elif kind == "undo":
            _deliver(team, code, team.say("anna", f"checkin undo {code}").outcome.notifications, posts)
        elif kind == "clock":
            with team.db.transaction() as session:
                sent = [n for _d, n in evaluate_all(session, team.now)]
                sent += [n for _d, n in reraise_due(session, team.now)]
            escalations += [
                1
                for n in sent
                if n.to.kind is RecipientKind.PERSON
                and "Nobody in the student health team" in n.content.template
                and n.content.params["code"] == code
            ]
            _deliver(team, code, sent, posts)
        elif open_cases:
            line = COMMANDS[kind].format(id=open_cases[0].id)
            _deliver(team, code, team.say("erik", line).outcome.notifications, posts)
        # At most one open case, whatever happened.
        assert len(_open_cases(team, code)) <= 1
        # No card ever carries the note.
        assert "Mormor" not in str(posts)
    for case_id, count in posts.new.items():
        # Posted once, and raised again at most once.
        assert count <= 2, (case_id, count)
        # Raised again only while nobody had acknowledged it.
        assert posts.reraised_status[case_id] in ([], ["open"])
    with team.db.transaction() as session:
        for case in session.scalars(
            select(AlertCase).join(Student, Student.id == AlertCase.student_id).where(Student.code == code)
        ):
            actions = list(
                session.scalars(
                    select(AuditEvent.action).where(
                        AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id)
                    )
                    # In the order they happened: PostgreSQL returns rows in no order of its own.
                    .order_by(AuditEvent.id)
                )
            )
            assert actions.count("case.reraise") <= 1 and actions.count("case.escalate") <= 1
            if "case.escalate" in actions:
                assert actions.index("case.reraise") < actions.index("case.escalate")
            stepped = {"case.acknowledge", "case.own", "case.investigation"} & set(actions)
            if stepped:
                first_step = min(actions.index(action) for action in stepped)
                assert "case.reraise" not in actions[first_step:]
                assert "case.escalate" not in actions[first_step:]
        open_count = session.scalar(
            select(func.count())
            .select_from(AlertCase)
            .join(Student, Student.id == AlertCase.student_id)
            .where(Student.code == code, AlertCase.status != AlertStatus.RESOLVED)
        )
        assert open_count <= 1
    # Each coordinator is told at most once per case (two coordinators: admin and cora).
    assert len(escalations) <= 2 * max(len(posts.new), 1)


# -- the pure rules cases rest on ------------------------------------------------------------------

T = thresholds_for({})


@pytest.mark.parametrize(
    ("crossed", "level"),
    [
        ([], RiskLevel.WATCH),
        ([("late_arrivals", {"count": 5})], RiskLevel.WATCH),
        ([("low_rating", {}), ("late_arrivals", {}), ("rating_drop", {})], RiskLevel.AT_RISK),
        ([("concern", {"domain": "school"})], RiskLevel.AT_RISK),
        ([("attendance", {"percent": 85.0})], RiskLevel.AT_RISK),
        ([("attendance", {"percent": 79.9})], RiskLevel.URGENT),
        ([("late_arrivals", {}), ("concern", {"domain": "home"})], RiskLevel.URGENT),
    ],
)
def test_the_risk_of_a_case(crossed: list[tuple[str, dict[str, object]]], level: RiskLevel) -> None:
    assert risk_of(crossed, T) is level


@given(
    rules=st.lists(
        st.sampled_from(
            ["attendance", "absent_days", "late_arrivals", "low_rating", "rating_drop", "concern"]
        ),
        unique=True,
    ),
    percent=st.floats(0, 100),
    domain=st.sampled_from(["individual", "home", "school"]),
)
def test_more_rules_never_lower_the_risk(rules: list[str], percent: float, domain: str) -> None:
    evidence = {"attendance": {"percent": percent}, "concern": {"domain": domain}}
    crossed = [(rule, evidence.get(rule, {})) for rule in rules]
    levels = [risk_of(crossed[:n], T) for n in range(len(crossed) + 1)]
    order = list(RiskLevel)
    assert [order.index(level) for level in levels] == sorted(order.index(level) for level in levels)


def _facts(on: date, **values: object) -> CheckInFacts:
    return CheckInFacts(on=on, ratings=(4, 4, 4, values.pop("affective", 4)), **values)  # type: ignore[arg-type]


def test_a_rule_clears_when_it_no_longer_holds_and_a_concern_never_by_itself() -> None:
    calendar = SchoolCalendar()
    monday = date(2026, 9, 7)
    low = Situation(monday, [_facts(monday, affective=1)])
    better = Situation(monday, [_facts(monday, affective=1), _facts(monday, affective=3)])
    not_rated = Situation(monday, [_facts(monday, affective=1), CheckInFacts(on=monday, met=False)])
    assert not clears("low_rating", {}, low, T, calendar)
    assert clears("low_rating", {}, better, T, calendar)
    assert not clears("low_rating", {}, not_rated, T, calendar)  # nothing new is known
    away = [_facts(monday, absent_days=3)]
    assert not clears("absent_days", {}, Situation(monday, away), T, calendar)
    assert clears("absent_days", {}, Situation(monday + timedelta(days=31), away), T, calendar)
    assert not clears("concern", {"domain": "home"}, better, T, calendar)
