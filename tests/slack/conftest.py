"""The Slack app for real: uvicorn on a free 127.0.0.1 port, a fake Slack Web API, signed requests.

`slack` is a `SlackSim`: it sends what Slack would send (form-encoded slash commands, `payload=`
interactivity JSON, event callbacks) signed with the test signing secret, and exposes the fake's
record of every Web API call the app made in return.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.runtime import build_notifier
from bot.web import create_web_app
from handlers.checkin_form import FIELDS, FieldKind
from models.db import Database
from tests.driver import GOOD_CHECK_IN
from tests.fake_slack import BOT_TOKEN, TEAM, Call, FakeSlack, start_fake_slack
from tests.serving import serving

SIGNING_SECRET = "test-signing-secret"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def modal_values(answers: dict[str, str]) -> dict[str, Any]:
    """A check-in modal's `state.values` as Slack sends it, from plain answers by field name."""
    values: dict[str, Any] = {}
    for form_field in FIELDS:
        answer = answers.get(form_field.name)
        if form_field.kind in (FieldKind.YES_NO, FieldKind.RATING, FieldKind.CHOICE):
            option = {"value": answer} if answer else None
            kind = "static_select" if form_field.kind is FieldKind.CHOICE else "radio_buttons"
            values[form_field.name] = {form_field.name: {"type": kind, "selected_option": option}}
        else:
            kind = "number_input" if form_field.kind is FieldKind.COUNT else "plain_text_input"
            values[form_field.name] = {form_field.name: {"type": kind, "value": answer or None}}
    return values


def initial_values(view: dict[str, Any]) -> dict[str, str]:
    """The answers a modal starts from (its inputs' initial values), by field name."""
    values: dict[str, str] = {}
    for block in view.get("blocks", []):
        element = block.get("element") if block.get("type") == "input" else None
        if isinstance(element, dict) and "initial_value" in element:
            values[block["block_id"]] = str(element["initial_value"])
    return values


class SlackSim:
    def __init__(self, base_url: str, fake: FakeSlack, db: Database, secret: str = SIGNING_SECRET) -> None:
        self.base_url = base_url
        self.fake = fake
        self.db = db
        self.secret = secret
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self._ids = itertools.count(1)

    # --- raw requests --------------------------------------------------------------------------

    def post(
        self,
        body: bytes,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature(secret or self.secret, ts, body),
            **(headers or {}),
        }
        return self.http.post("/slack/events", content=body, headers=all_headers)

    # --- what people do ------------------------------------------------------------------------

    def command(self, user: str, text: str, **overrides: str) -> httpx.Response:
        n = next(self._ids)
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "school",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/mentor",
            "text": text,
            "api_app_id": "A0APP",
            "response_url": self.fake.response_url(f"cmd{n}"),
            "trigger_id": f"trigger-{n}",
        }
        form.update(overrides)
        return self.post(urlencode(form).encode())

    def interact(self, payload: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(), headers=headers)

    def submit_view(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> httpx.Response:
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "school"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0APP",
            "trigger_id": f"trigger-{next(self._ids)}",
            "view": {"type": "modal", **view, "id": view.get("id", "V0MODAL"), "state": {"values": values}},
        }
        return self.interact(payload)

    def submit_checkin(self, user: str, view: dict[str, Any], **changes: str) -> httpx.Response:
        return self.submit_view(user, view, modal_values({**GOOD_CHECK_IN, **changes}))

    def click(
        self,
        user: str,
        action_id: str,
        value: Any,
        message_ts: str | None = "1700000000.000001",
        channel: str = "D0DM",
        block_id: str | None = None,
    ) -> httpx.Response:
        """Press a button; `block_id` as the message has it (default: an unstamped prompt's)."""
        n = next(self._ids)
        container: dict[str, Any] = (
            {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False}
            if message_ts
            else {"type": "view", "view_id": "VHOME"}
        )
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "school"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0APP",
            "container": container,
            **({"channel": {"id": channel, "name": "channel"}} if message_ts else {}),
            "trigger_id": f"trigger-{n}",
            "response_url": self.fake.response_url(f"act{n}"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id or f"prompt:{value}",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.interact(payload)

    def event(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        body = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": f"Ev{next(self._ids)}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        }
        return self.post(json.dumps(body).encode(), content_type="application/json", headers=headers)

    def open_home(self, user: str) -> httpx.Response:
        return self.event({"type": "app_home_opened", "user": user, "channel": "D0DM", "tab": "home"})

    # --- reading what the app did --------------------------------------------------------------

    def reply_to(self, response: httpx.Response, timeout: float = 10) -> str:
        """The ephemeral answer sent to the response_url of the command just posted."""
        return text_of(self.answer_to(response, timeout))

    def answer_to(self, response: httpx.Response, timeout: float = 10) -> Any:
        """That answer (a `Call`: its text and blocks): in the ack itself (a reading command), or as
        the fake recorded it at the response_url (a change, answered after the ack)."""
        assert response.status_code == 200, response.text
        acked = response.json() if response.content.strip() else {}
        if acked.get("text") or acked.get("blocks"):
            assert acked.get("response_type") == "ephemeral", acked
            return Call("ack", acked)
        name = _response_name(response)
        return self.fake.wait_for("response_url", lambda c: c.args.get("_name") == name, timeout)


def _response_name(response: httpx.Response) -> str:
    """Which response_url the request carried (a form field, or inside the `payload=` JSON)."""
    form = parse_qs(response.request.content.decode())
    url = json.loads(form["payload"][0])["response_url"] if "payload" in form else form["response_url"][0]
    return url.rsplit("/", 1)[-1]


def text_of(call: Any) -> str:
    """Everything a person would read in a message: its text and every text in its blocks."""
    parts: list[str] = [str(call.args.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(call.args.get("blocks") or call.args.get("view") or [])
    return "\n".join(parts)


def slack_settings(fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "MENTORBOT_LANGUAGE": "en",
        "MENTORBOT_COORDINATORS": "UADMIN",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def serve(settings: Settings, db: Database) -> Iterator[str]:
    with serving(create_web_app(settings, db, build_notifier(settings, db, sys.stdout))) as base_url:
        yield base_url


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake, server = start_fake_slack()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def slack(db: Database, fake_slack: FakeSlack) -> Iterator[SlackSim]:
    for base_url in serve(slack_settings(fake_slack), db):
        sim = SlackSim(base_url, fake_slack, db)
        yield sim
        sim.http.close()
        # Whatever the test did, the app never made a call Slack would have refused.
        assert fake_slack.rejected == [], [(c.method, c.error) for c in fake_slack.rejected]


def oauth_slack_settings(fake: FakeSlack) -> Settings:
    """Installs into several workspaces (OAuth); nobody is coordinator through the configuration."""
    return slack_settings(
        fake,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET="client-secret",
        MENTORBOT_COORDINATORS="",
    )


@pytest.fixture
def oauth_slack(db: Database, fake_slack: FakeSlack) -> Iterator[SlackSim]:
    # slack_sdk's own tables are not among our models, so the database fixture leaves them be.
    with db.engine.begin() as connection:
        for table in ("slack_installations", "slack_bots", "slack_oauth_states"):
            connection.execute(text(f"DELETE FROM {table}"))
    for base_url in serve(oauth_slack_settings(fake_slack), db):
        sim = SlackSim(base_url, fake_slack, db)
        yield sim
        sim.http.close()
    assert fake_slack.rejected == [], [(c.method, c.error) for c in fake_slack.rejected]


def install(sim: SlackSim, user: str = "UINSTALLER") -> None:
    """`user` goes through /slack/install and Slack's consent page, and comes back to the redirect.

    What Slack answers (which workspace or org, which bot token) is `sim.fake.install`.
    """
    sim.fake.oauth_user = user
    before = len(sim.fake.of("oauth.v2.access"))
    page = sim.http.get("/slack/install")
    assert page.status_code == 200
    state = re.search(r"state=([\w-]+)", page.text)
    assert state and "slack.com/oauth/v2/authorize" in page.text and "client_id=111.222" in page.text
    # Slack sends the browser back with a code; the state cookie proves it is the same browser.
    # (The cookie is marked Secure, so over the test's plain http it is handed back by hand.)
    cookie = page.headers["set-cookie"].split(";")[0]
    done = sim.http.get(
        "/slack/oauth_redirect",
        params={"code": "c0de", "state": state.group(1)},
        headers={"cookie": cookie},
    )
    assert done.status_code == 200, done.text
    assert len(sim.fake.of("oauth.v2.access")) == before + 1
