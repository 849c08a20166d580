"""The notifier the clock uses: prompts with buttons, updates in place, text for unknown content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.slack.notifier import SlackNotifier
from handlers.delivery import DeliveryFailed
from handlers.results import Destination, DueMentee, DuePrompt, Notification, Recipient
from models.messages import msg
from tests.fake_slack import BOT_TOKEN, TEAM, FakeSlack
from tests.slack.conftest import text_of

SCHOOL = Destination("slack", TEAM)


def notifier(fake: FakeSlack, token: str | None = BOT_TOKEN) -> SlackNotifier:
    return SlackNotifier(lambda _workspace: token, fake.api_url, "en")


def test_a_due_prompt_has_the_three_buttons_per_mentee(fake_slack: FakeSlack) -> None:
    due = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    prompt = DuePrompt(
        "Europe/Stockholm", [DueMentee("7B-03", "7B-03 Alex", due), DueMentee("8A-11", "8A-11", due)]
    )
    ref = notifier(fake_slack).deliver(SCHOOL, Notification(Recipient.person("UANNA"), prompt, language="sv"))
    call = fake_slack.wait_for("chat.postMessage")
    assert call.args["channel"] == "UANNA" and ref == f"DANNA:{call.args.get('ts') or ref.split(':')[1]}"
    buttons = [e for b in call.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons[:3]] == [
        ("prompt_checkin", "7B-03"),
        ("prompt_snooze", "7B-03"),
        ("prompt_notmet", "7B-03"),
    ]
    assert "Dags för avstämning" in text_of(call) and "mån 30 nov. 08:30" in text_of(call)
    assert fake_slack.rejected == []


def test_replaces_updates_the_message_in_place(fake_slack: FakeSlack) -> None:
    note = Notification(Recipient.channel("C0EHT"), msg("Updated"), language="en", replaces="C0EHT:1700.1")
    assert notifier(fake_slack).deliver(SCHOOL, note) == "C0EHT:1700.1"
    call = fake_slack.wait_for("chat.update")
    assert call.args["ts"] == "1700.1" and call.args["channel"] == "C0EHT"


@dataclass(frozen=True)
class SomethingNew:
    """Content the Slack renderer has never heard of (like an alert type being built elsewhere)."""

    code: str


def test_unknown_content_is_delivered_as_text(fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.slack.blocks as blocks

    monkeypatch.setattr(
        blocks, "render_notification", lambda _lang, n: f"[→ #{n.to.id}] new thing {n.content.code}"
    )
    note = Notification(Recipient.channel("C0EHT"), SomethingNew("7B-03"), language="en")  # type: ignore[arg-type]
    notifier(fake_slack).deliver(SCHOOL, note)
    assert "new thing 7B-03" in fake_slack.wait_for("chat.postMessage").args["text"]
    assert not fake_slack.wait_for("chat.postMessage").args["text"].startswith("[→")


def test_refusals_become_delivery_failed(fake_slack: FakeSlack) -> None:
    with pytest.raises(DeliveryFailed, match="invalid_auth"):
        notifier(fake_slack, token="xoxb-wrong").deliver(
            SCHOOL, Notification(Recipient.person("U1"), msg("hi"))
        )
    with pytest.raises(DeliveryFailed, match="no bot token"):
        notifier(fake_slack, token=None).deliver(SCHOOL, Notification(Recipient.person("U1"), msg("hi")))


def test_the_manifest_matches_the_app() -> None:
    from pathlib import Path

    from bot.slack.oauth import BOT_SCOPES, REDIRECT_PATH

    manifest = (Path(__file__).parents[2] / "bot" / "slack" / "manifest.yml").read_text()
    scopes = manifest.split("bot:\n", 1)[1].split("settings:", 1)[0]
    assert [line.strip("- ").strip() for line in scopes.splitlines() if line.strip()] == BOT_SCOPES
    assert "command: /mentor" in manifest and "- app_home_opened" in manifest
    assert manifest.count("/slack/events") == 3 and REDIRECT_PATH in manifest
