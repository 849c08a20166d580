"""A case offers the same next steps in Slack, in Teams and in the console, in every state.

Rendered from plain `AlertNotice`s, so every combination of status and investigation answer is
covered without a database; test_teams.py and tests/slack/test_alerts.py press the buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.render_text import render_alert
from bot.slack.blocks import alert_content
from bot.teams.cards import alert_card, card_json
from handlers.results import AlertNotice, CrossedRule
from models.flagged import why_flagged
from models.messages import msg
from models.rules import RULES_BY_ID, evidence_message, thresholds_for
from tests.teams_support import buttons

ABSENCE = AlertNotice(
    case_id=7,
    student_code="7B-03",
    grade=7,
    class_name="7B",
    risk="at_risk",
    status="open",
    timezone="Europe/Stockholm",
    rules=[
        CrossedRule(
            rule="absent_days",
            title=msg(RULES_BY_ID["absent_days"].title),
            explanation=why_flagged("absent_days", {"count": 4, "threshold": 3}, thresholds_for({})),
            evidence=evidence_message("absent_days", {"count": 4}),
            sparkline="▆▃",
        )
    ],
    asks_investigation=True,
)


def slack_steps(notice: AlertNotice) -> set[str]:
    names = {
        "alert_ack": "acknowledge",
        "alert_own": "take over",
        "alert_resolve": "resolve",
        "alert_plan": "plan",
        "alert_investigation_yes": "investigation",
        "alert_investigation_no": "investigation",
    }
    blocks = alert_content("en", notice).blocks
    return {names[e["action_id"]] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def teams_steps(notice: AlertNotice) -> set[str]:
    names = {
        "alert.ack": "acknowledge",
        "alert.own": "take over",
        "alert.resolve": "resolve",
        "alert.plan": "plan",
        "alert.investigation": "investigation",
    }
    return {names[data["do"]] for data in buttons(card_json(alert_card("en", notice))).values()}


def console_steps(notice: AlertNotice) -> set[str]:
    text = "\n".join(render_alert("en", notice))
    words = {
        "alert ack 7": "acknowledge",
        "alert own 7": "take over",
        "alert resolve 7": "resolve",
        "plan 7": "plan",
        "alert investigation 7": "investigation",
    }
    return {step for command, step in words.items() if command in text}


PLATFORMS: dict[str, Callable[[AlertNotice], set[str]]] = {
    "slack": slack_steps,
    "teams": teams_steps,
    "console": console_steps,
}
EVERY_STEP = {"acknowledge", "take over", "plan", "resolve", "investigation"}


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, EVERY_STEP),
        ({"status": "acknowledged", "acknowledged_by": "eva"}, EVERY_STEP - {"acknowledge"}),
        # A colleague can take over a case someone owns.
        ({"status": "owned", "acknowledged_by": "eva", "owner": "lis"}, EVERY_STEP - {"acknowledge"}),
        (
            {"status": "owned", "owner": "lis", "investigation_started": False},
            {"take over", "plan", "resolve"},
        ),
        # Resolved is final: no buttons at all, not even the unanswered investigation question.
        ({"status": "resolved", "owner": "lis", "outcome": msg("referral")}, set()),
        ({"status": "resolved", "owner": "lis", "investigation_started": True}, set()),
        ({"status": "open", "asks_investigation": False}, {"acknowledge", "take over", "plan", "resolve"}),
    ],
)
def test_every_platform_offers_the_same_next_steps(
    platform: str, changes: dict[str, object], expected: set[str]
) -> None:
    assert PLATFORMS[platform](replace(ABSENCE, **changes)) == expected


@pytest.mark.parametrize("language", ["en", "sv"])
def test_a_resolved_case_says_the_investigation_question_went_unanswered(language: str) -> None:
    resolved = replace(ABSENCE, status="resolved", owner="lis")
    said = {
        "en": "Investigation (7 kap. 19 a §): not answered.",
        "sv": "Utredning (7 kap. 19 a §): obesvarad.",
    }
    assert said[language] in "\n".join(render_alert(language, resolved))
    assert said[language] in str(card_json(alert_card(language, resolved)))
    assert said[language] in str(alert_content(language, resolved).blocks)
