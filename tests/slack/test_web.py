"""The web app's edges: health, signatures, retries, and input that is not what Slack would send."""

from __future__ import annotations

import json
import time

import httpx

from tests.slack.conftest import SlackSim


def test_healthz_answers(slack: SlackSim) -> None:
    response = slack.http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_command_is_answered_privately(slack: SlackSim) -> None:
    response = slack.command("UADMIN", "help")
    assert response.status_code == 200
    # A reading command is answered in the response to Slack's request itself, never in public.
    assert response.json()["response_type"] == "ephemeral"
    text = slack.reply_to(response)
    assert "student add" in text and "/mentor import" in text
    # A change is answered after the ack, through the response_url, privately too.
    assert "registered" in slack.reply_to(slack.command("UADMIN", "student add 7B-03"))
    call = slack.fake.wait_for("response_url")
    assert call.args["response_type"] == "ephemeral"
    assert [c.args.get("_name") for c in slack.fake.of("response_url")] == ["cmd2"]


def test_forged_and_stale_signatures_are_refused(slack: SlackSim) -> None:
    body = b"command=%2Fmentor&text=students&user_id=UADMIN&team_id=T0SCHOOL"
    assert slack.post(body, secret="not-the-secret").status_code == 401
    assert slack.post(body, timestamp=int(time.time()) - 600).status_code == 401
    unsigned = slack.http.post("/slack/events", content=body)
    assert unsigned.status_code == 401
    # Even a body that cannot be parsed is refused for its signature first.
    assert slack.post(b"payload=%7Bnot-json", secret="forged").status_code == 401
    time.sleep(0.3)
    assert slack.fake.calls == []


def test_slack_retries_are_not_handled_twice(slack: SlackSim) -> None:
    event = {"type": "app_home_opened", "user": "UANNA", "channel": "D0DM", "tab": "home"}
    retry = slack.event(event, headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"})
    assert retry.status_code == 200
    time.sleep(0.3)
    assert slack.fake.of("views.publish") == []
    assert slack.event(event).status_code == 200
    slack.fake.wait_for("views.publish")


def test_malformed_requests_get_a_polite_answer_never_an_error(slack: SlackSim) -> None:
    # A signed body that is not JSON.
    response = slack.post(b"payload=%7Bnot-json")
    assert response.status_code < 500 and "Traceback" not in response.text
    # A command without a user or team: nothing to answer, but no error either.
    assert slack.command("UADMIN", "students", user_id="", team_id="").status_code == 200
    # Unclosed quotes, nonsense, very long text: a polite reply each.
    assert "quotation mark" in slack.reply_to(slack.command("UADMIN", 'student add "7B-03'))
    assert "I do not know" in slack.reply_to(slack.command("UADMIN", "frobnicate now"))
    assert "not quite right" in slack.reply_to(slack.command("UADMIN", "assign " + "x" * 5000))
    # An interaction payload with the wrong shapes everywhere.
    odd = {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "user": {"id": "UANNA"}, "actions": [{}]}
    assert slack.interact(odd).status_code < 500
    view = {"type": "view_submission", "team": {"id": "T0SCHOOL"}, "user": {"id": "UANNA"}}
    answer = slack.interact(
        {**view, "view": {"type": "modal", "callback_id": "checkin", "state": "nonsense"}}
    )
    assert answer.status_code == 200 and answer.json()["response_action"] == "errors"
    broken = slack.interact({**view, "view": {"callback_id": "checkin"}})
    assert broken.status_code == 200 and "could not read" in broken.json()["text"]
    assert slack.http.get("/slack/events").status_code == 405


def test_a_form_with_unreadable_metadata_is_answered_politely(slack: SlackSim) -> None:
    from tests.driver import GOOD_CHECK_IN
    from tests.slack.conftest import modal_values

    view = {"callback_id": "checkin", "private_metadata": "{{{"}
    response = slack.submit_view("UANNA", view, modal_values(GOOD_CHECK_IN))
    assert response.status_code == 200
    slack.fake.wait_for("chat.postMessage", lambda c: "could not read that form" in str(c.args.get("text")))


def test_answers_follow_the_users_language(slack: SlackSim) -> None:
    assert "svenska" in slack.reply_to(slack.command("UANNA", "språk sv"))
    assert "Jag känner inte till" in slack.reply_to(slack.command("UANNA", "blaha"))


def test_url_verification_challenge(slack: SlackSim) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    response = slack.post(body, content_type="application/json")
    assert response.status_code == 200 and "abc123" in response.text


def test_oauth_is_off_without_client_credentials(slack: SlackSim) -> None:
    assert slack.http.get("/slack/install").status_code == 404
    assert isinstance(slack.http, httpx.Client)
