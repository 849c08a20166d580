"""The outbox decides each message once and reads back exactly what was written."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from handlers.delivery import enqueue, from_json, to_json
from handlers.results import (
    AlertNotice,
    AlertRow,
    AlertSummary,
    CrossedRule,
    DueMentee,
    DuePrompt,
    Notification,
    Recipient,
)
from models import Organisation, OutboxMessage, School
from models.db import Database
from models.messages import msg

NOW = datetime(2026, 3, 30, 6, 30, tzinfo=UTC)


def test_a_key_is_decided_once(db: Database) -> None:
    with db.transaction() as session:
        school = School(
            organisation=Organisation(platform="console", workspace_id="w", created_at=NOW),
            platform="console",
            workspace_id="w",
            thresholds={},
            created_at=NOW,
        )
        session.add(school)
        session.flush()
        note = Notification(Recipient.person("anna"), msg("Hello"), language="en")
        assert enqueue(session, school, note, "greeting:anna", now=NOW) is not None
        assert enqueue(session, school, note, "greeting:anna", now=NOW) is None
        assert enqueue(session, school, note, now=NOW) is not None  # no key: always new
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_content_round_trips_through_json() -> None:
    prompt = DuePrompt(
        "Europe/Stockholm", [DueMentee("7B-03", "7B-03 Alex", datetime(2026, 11, 23, 7, 30, tzinfo=UTC))]
    )
    notice = AlertNotice(
        case_id=1,
        student_code="7B-03",
        grade=7,
        class_name="7B",
        risk="at_risk",
        status="open",
        timezone="Europe/Stockholm",
        rules=[
            CrossedRule(
                rule="low_rating",
                title=msg("Low engagement"),
                explanation=msg("x {n}", n=1),
                evidence=msg("rated {n}", n=msg("one")),
                sparkline="▁▃",
                state="new",
            ),
            CrossedRule("concern", msg("Concern raised"), msg("x"), msg("a concern"), state="cleared"),
        ],
        follow_up_on=date(2026, 12, 1),
    )
    summary = AlertSummary(
        "Europe/Stockholm",
        [AlertRow("7B-03", ["low_rating"], "owned", datetime(2026, 11, 23, tzinfo=UTC), 1, "urgent", "eva")],
    )
    for content in (prompt, notice, summary, msg("Plain")):
        assert from_json(to_json(content)) == content


def test_unknown_types_are_not_built_from_stored_json() -> None:
    stored = {"type": "Popen", "args": ["rm", "-rf", "/"]}
    assert from_json(stored) == {"type": "Popen", "args": ["rm", "-rf", "/"]}
