"""The web app's edges: health, signatures, retries, and input that is not what Slack would send."""

from __future__ import annotations

from tests.slack.conftest import SlackSim


def test_healthz_answers(slack: SlackSim) -> None:
    response = slack.http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_command_is_answered_privately(slack: SlackSim) -> None:
    response = slack.command("UADMIN", "help")
    assert response.status_code == 200
    text = slack.reply_to(response)
    assert "student add" in text and "/mentor import" in text
    call = slack.fake.wait_for("response_url")
    assert call.args["response_type"] == "ephemeral"
