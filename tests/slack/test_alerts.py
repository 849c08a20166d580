"""The student health team's side in Slack: a student's case in the EHT channel, and its buttons end
to end.

Signed requests in, Web API calls out: a worrying check-in posts the case's one card; Acknowledge,
Take ownership, Resolve… and the investigation question update that same message in place.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import func, select

from bot.slack.blocks import (
    ACTION_ALERT_ACK,
    ACTION_ALERT_INVESTIGATION_YES,
    ACTION_ALERT_OWN,
    ACTION_ALERT_PLAN,
    ACTION_ALERT_RESOLVE,
    PLAN_CALLBACK,
    RESOLVE_CALLBACK,
    notification_content,
)
from handlers.results import AlertNotice, CrossedRule, Notification, Recipient
from models import AlertCase, AlertStatus, AuditEvent
from models.flagged import why_flagged
from models.messages import msg
from models.rules import RULES_BY_ID, evidence_message, thresholds_for
from tests.fake_slack import Call
from tests.slack.conftest import SlackSim, text_of

NOTE = "Mamma sjuk, pappa borta"
STRENGTHS = "Ritade en fantastisk karta"
EHT_CHANNEL = "C0EHT"


@pytest.fixture
def eht(slack: SlackSim) -> SlackSim:
    """A school with a mentored student, two EHT members and an EHT channel, set up through /mentor."""
    for text in (
        "student add 7B-03 Alex grade=7 class=7B",
        "assign 7B-03 <@UANNA|anna>",
        "role add <@UEVA|eva> eht",
        "role add <@ULIS|lis> eht",
        f"eht <#{EHT_CHANNEL}|eht>",
    ):
        slack.reply_to(slack.command("UADMIN", text))
    return slack


def actions_of(call: Call) -> list[str]:
    return [
        element["action_id"]
        for block in call.args.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def the_alert(slack: SlackSim) -> AlertCase:
    """The newest case, as stored."""
    with slack.db.transaction() as session:
        case = session.scalars(select(AlertCase).order_by(AlertCase.id.desc())).first()
        assert case is not None
        session.expunge(case)
        return case


def raise_alert(slack: SlackSim, **answers: str) -> tuple[Call, AlertCase]:
    """The mentor's worrying check-in through the modal; the case's card as posted, the case as stored."""
    response = slack.command("UANNA", "checkin 7B-03")
    trigger = response.request.content.decode().split("trigger_id=")[1]
    view = slack.fake.wait_for("views.open", lambda c: c.args["trigger_id"] == trigger).args["view"]
    slack.submit_checkin("UANNA", view, note=NOTE, strengths=STRENGTHS, **answers)
    post = slack.fake.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == EHT_CHANNEL and bool(actions_of(c))
    )
    # The outbox stores where it was posted once Slack has answered.
    deadline = time.monotonic() + 5
    while the_alert(slack).message_ref is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return post, the_alert(slack)


def click_on(
    slack: SlackSim, user: str, action_id: str, alert: AlertCase, value: Any = None
) -> httpx.Response:
    """Press a button on the case's card in the EHT channel."""
    channel, _, ts = str(alert.message_ref).rpartition(":")
    return slack.click(user, action_id, str(alert.id) if value is None else value, ts, channel)


def press(slack: SlackSim, user: str, action_id: str, alert: AlertCase, value: Any = None) -> str:
    """Press a button on the case's card; the private answer the presser gets."""
    return slack.reply_to(click_on(slack, user, action_id, alert, value))


def update_of(slack: SlackSim, alert: AlertCase, containing: str) -> Call:
    channel, _, ts = str(alert.message_ref).rpartition(":")
    return slack.fake.wait_for(
        "chat.update",
        lambda c: c.args["channel"] == channel and c.args["ts"] == ts and containing in text_of(c),
    )


def audit_count(slack: SlackSim, action: str) -> int:
    with slack.db.transaction() as session:
        return session.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


def resolve_form(slack: SlackSim, user: str, alert: AlertCase) -> dict[str, Any]:
    response = click_on(slack, user, ACTION_ALERT_RESOLVE, alert)
    trigger = response.request.content.decode()
    call = slack.fake.wait_for(
        "views.open",
        lambda c: c.args["view"]["callback_id"] == RESOLVE_CALLBACK and c.args["trigger_id"] in trigger,
    )
    return call.args["view"]


def resolve_values(outcome: str | None, follow_up: str | None = None) -> dict[str, Any]:
    return {
        "outcome": {
            "outcome": {"type": "static_select", "selected_option": {"value": outcome} if outcome else None}
        },
        "follow_up_on": {"follow_up_on": {"type": "datepicker", "selected_date": follow_up}},
    }


def test_the_whole_loop_from_check_in_to_resolved(eht: SlackSim) -> None:
    post, alert = raise_alert(eht, affective="1")
    # What the team sees: the code, grade and class, the rule, its evidence; never the note or strengths.
    for raw in post.args["blocks"]:
        Block.parse(raw).validate_json()
    shown = text_of(post)
    assert "7B-03" in shown and "grade 7" in shown and "7B" in shown
    # The risk first, then each rule with its evidence.
    assert post.args["blocks"][0]["text"]["text"].startswith("🟠 At risk · Case #")
    assert "Low engagement" in shown and "affective engagement rated 1 (latest ratings 1) ▁" in shown
    assert NOTE not in shown and STRENGTHS not in shown and "Alex" not in shown
    assert actions_of(post) == [ACTION_ALERT_ACK, ACTION_ALERT_OWN, ACTION_ALERT_PLAN, ACTION_ALERT_RESOLVE]

    said = press(eht, "UEVA", ACTION_ALERT_ACK, alert)
    # No typed command next to the message's buttons.
    assert "acknowledged" in said and "alert own" not in said
    acknowledged = update_of(eht, alert, "acknowledged by <@UEVA>")
    assert actions_of(acknowledged) == [ACTION_ALERT_OWN, ACTION_ALERT_PLAN, ACTION_ALERT_RESOLVE]

    said = press(eht, "ULIS", ACTION_ALERT_OWN, alert)
    assert "You own case" in said and "alert resolve" not in said
    update_of(eht, alert, "owner <@ULIS>")

    future = (date.today() + timedelta(days=14)).isoformat()
    view = resolve_form(eht, "ULIS", alert)
    assert (
        "Resolve case" in text_of(Call("views.open", {"view": view}))
        and "7B-03" in view["blocks"][0]["text"]["text"]
    )
    assert eht.submit_view("ULIS", view, resolve_values("guardians", future)).status_code == 200
    resolved = update_of(eht, alert, "resolved")
    assert "contacted the guardians" in text_of(resolved) and f"follow-up {future}" in text_of(resolved)
    assert actions_of(resolved) == []
    # The presser is told privately, in the channel where they pressed.
    eht.fake.wait_for(
        "chat.postEphemeral", lambda c: c.args["user"] == "ULIS" and "resolved. Thank you" in text_of(c)
    )
    stored = the_alert(eht)
    assert stored.status is AlertStatus.RESOLVED and stored.outcome == "guardians"
    assert stored.follow_up_on == date.fromisoformat(future)
    # Every step updated the one message; the channel got no second post.
    assert (
        len(
            [c for c in eht.fake.of("chat.postMessage") if c.args["channel"] == EHT_CHANNEL and actions_of(c)]
        )
        == 1
    )
    assert all(NOTE not in text_of(c) and STRENGTHS not in text_of(c) for c in eht.fake.calls)


def plan_values(kind: str | None, review: str | None, goal: str, users: list[str]) -> dict[str, Any]:
    return {
        "plan_kind": {
            "plan_kind": {"type": "static_select", "selected_option": {"value": kind} if kind else None}
        },
        "review_on": {"review_on": {"type": "datepicker", "selected_date": review}},
        "responsible": {"responsible": {"type": "multi_users_select", "selected_users": users}},
        "goal": {"goal": {"type": "plain_text_input", "value": goal}},
    }


def test_plan_opens_a_form_whose_goal_never_reaches_the_channel(eht: SlackSim) -> None:
    goal = "Alex kommer i tid tre morgnar i veckan"
    _post, alert = raise_alert(eht, affective="1")
    assert "Only the student health team" in press(eht, "UANNA", ACTION_ALERT_PLAN, alert)
    response = click_on(eht, "UEVA", ACTION_ALERT_PLAN, alert)
    call = eht.fake.wait_for(
        "views.open",
        lambda c: c.args["view"]["callback_id"] == PLAN_CALLBACK
        and c.args["trigger_id"] in response.request.content.decode(),
    )
    view = call.args["view"]
    assert "Plan for case #" in view["blocks"][0]["text"]["text"]
    review = (date.today() + timedelta(days=10)).isoformat()
    missing = eht.submit_view("UEVA", view, plan_values(None, review, goal, [])).json()
    assert missing["response_action"] == "errors" and "plan_kind" in missing["errors"]
    assert eht.submit_view("UEVA", view, plan_values("guardians", review, goal, ["ULIS"])).status_code == 200
    card = update_of(eht, alert, f"review {review}")
    assert "owner <@UEVA>" in text_of(card) and goal not in text_of(card)
    eht.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "ULIS" and "plan show" in text_of(c))
    with eht.db.transaction() as session:
        case = session.get_one(AlertCase, alert.id)
        assert case.plan is not None and case.plan.goal == goal
        assert [m.user_id for m in case.plan.responsible] == ["ULIS"]
    assert all(goal not in text_of(c) for c in eht.fake.calls if c.args.get("channel") == EHT_CHANNEL)


def test_someone_outside_the_team_is_refused_and_nothing_changes(eht: SlackSim) -> None:
    _post, alert = raise_alert(eht, affective="1")
    eht.fake.clear()
    assert "Only the student health team" in press(eht, "UANNA", ACTION_ALERT_ACK, alert)
    assert "Only the student health team" in press(eht, "UANNA", ACTION_ALERT_RESOLVE, alert)
    # In their own language.
    eht.reply_to(eht.command("UBO", "språk sv"))
    assert "Det kan bara elevhälsoteamet" in press(eht, "UBO", ACTION_ALERT_OWN, alert)
    time.sleep(0.3)
    assert eht.fake.of("chat.update") == [] and eht.fake.of("views.open") == []
    assert the_alert(eht).status is AlertStatus.OPEN and audit_count(eht, "case.acknowledge") == 0


def test_a_double_click_acknowledges_once(eht: SlackSim) -> None:
    _post, alert = raise_alert(eht, affective="1")
    first = click_on(eht, "UEVA", ACTION_ALERT_ACK, alert)
    second = click_on(eht, "UEVA", ACTION_ALERT_ACK, alert)
    answers = {eht.reply_to(first), eht.reply_to(second)}
    assert any("acknowledged" in a for a in answers)
    assert any("already" in a for a in answers)
    update_of(eht, alert, "acknowledged by <@UEVA>")
    assert audit_count(eht, "case.acknowledge") == 1


def test_forged_and_odd_presses_get_a_polite_answer(eht: SlackSim) -> None:
    _post, alert = raise_alert(eht, affective="1")
    eht.fake.clear()
    assert "There is no case #999999" in press(eht, "UEVA", ACTION_ALERT_ACK, alert, value="999999")
    for odd in (12, ["1"], "1; DROP TABLE alert", "9" * 30, None):
        response = eht.click("UEVA", ACTION_ALERT_OWN, odd, "1700000000.000001", EHT_CHANNEL)
        assert response.status_code == 200
        assert "could not read that button" in eht.reply_to(response)
    time.sleep(0.3)
    assert eht.fake.of("chat.update") == []
    assert the_alert(eht).status is AlertStatus.OPEN


def test_the_resolve_form_checks_its_answers_inline(eht: SlackSim) -> None:
    _post, alert = raise_alert(eht, affective="1")
    view = resolve_form(eht, "UEVA", alert)
    missing = eht.submit_view("UEVA", view, resolve_values(None)).json()
    assert missing["response_action"] == "errors" and set(missing["errors"]) == {"outcome"}
    forged = eht.submit_view("UEVA", view, resolve_values("made-up")).json()
    assert set(forged["errors"]) == {"outcome"}
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    past = eht.submit_view("UEVA", view, resolve_values("talked", yesterday)).json()
    assert "cannot be in the past" in past["errors"]["follow_up_on"]
    assert (
        "date picker"
        in eht.submit_view("UEVA", view, resolve_values("talked", "soon")).json()["errors"]["follow_up_on"]
    )
    # A form whose hidden metadata was tampered with resolves nothing.
    broken = {**view, "id": "V0BROKEN", "private_metadata": '{"alert": "x"}'}
    assert eht.submit_view("UEVA", broken, resolve_values("talked")).status_code == 200
    eht.fake.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == "UEVA" and "could not read" in text_of(c)
    )
    # Submitted twice (Slack's retry, a double click on Save): resolved once.
    eht.submit_view("UEVA", view, resolve_values("talked"))
    eht.submit_view("UEVA", view, resolve_values("talked"))
    update_of(eht, alert, "resolved")
    time.sleep(0.3)
    assert audit_count(eht, "case.resolve") == 1
    # Once resolved, Resolve… no longer opens a form.
    eht.fake.clear()
    assert "already resolved" in press(eht, "UEVA", ACTION_ALERT_RESOLVE, alert)
    assert eht.fake.of("views.open") == []


def test_a_case_about_absence_asks_whether_an_investigation_has_started(eht: SlackSim) -> None:
    post, alert = raise_alert(eht, absent_days="4", unexcused_days="0")
    assert "has an investigation (Skollagen 7 kap. 19 a §) been started?" in text_of(post)
    assert ACTION_ALERT_INVESTIGATION_YES in actions_of(post)
    assert "has been started" in press(eht, "UEVA", ACTION_ALERT_INVESTIGATION_YES, alert)
    answered = update_of(eht, alert, "Investigation (7 kap. 19 a §): started.")
    assert ACTION_ALERT_INVESTIGATION_YES not in actions_of(answered)
    assert ACTION_ALERT_ACK in actions_of(answered)
    assert the_alert(eht).investigation_started is True


def test_a_swedish_school_reads_its_cases_in_swedish() -> None:
    absent_days = CrossedRule(
        rule="absent_days",
        title=msg(RULES_BY_ID["absent_days"].title),
        explanation=why_flagged("absent_days", {"count": 4, "threshold": 3}, thresholds_for({})),
        evidence=evidence_message("absent_days", {"count": 4}),
        sparkline="▆▃",
    )
    notice = AlertNotice(
        case_id=7,
        student_code="7B-03",
        grade=7,
        class_name="7B",
        risk="at_risk",
        rules=[absent_days],
        status="owned",
        timezone="Europe/Stockholm",
        acknowledged_by="UEVA",
        owner="ULIS",
        asks_investigation=True,
    )
    content = notification_content("en", Notification(Recipient.channel("C0EHT"), notice, language="sv"))
    shown = text_of(Call("chat.postMessage", {"text": content.text, "blocks": content.blocks}))
    assert "🟠 I riskzonen · Ärende #7 · 7B-03 (åk 7, 7B)" in shown and "Heldagsfrånvaro" in shown
    assert "kvitterat av <@UEVA>" in shown and "ansvarig <@ULIS>" in shown and "▆▃" in shown
    assert "har en utredning (skollagen 7 kap. 19 a §) inletts?" in shown
    assert "Ta ansvar" in shown and "Avsluta…" in shown and "Kvittera" not in shown
    assert "Ja" in shown and "Nej" in shown
