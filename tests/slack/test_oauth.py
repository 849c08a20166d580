"""Installing into a workspace with OAuth: the install page, the redirect, the stored bot token,
and the installing person as the school's first coordinator."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select, text

from models import Member
from models.db import Database
from tests.fake_slack import FakeSlack
from tests.slack.conftest import SlackSim, serve, slack_settings


@pytest.fixture
def oauth_slack(db: Database, fake_slack: FakeSlack) -> Iterator[SlackSim]:
    with db.engine.begin() as connection:
        for table in ("slack_installations", "slack_bots", "slack_oauth_states"):
            connection.execute(text(f"DELETE FROM {table}"))
    settings = slack_settings(
        fake_slack,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET="client-secret",
        MENTORBOT_COORDINATORS="",
    )
    for base_url in serve(settings, db):
        sim = SlackSim(base_url, fake_slack, db)
        yield sim
        sim.http.close()
    assert fake_slack.rejected == []


def test_install_makes_the_installer_a_coordinator(oauth_slack: SlackSim) -> None:
    page = oauth_slack.http.get("/slack/install")
    assert page.status_code == 200
    state = re.search(r"state=([\w-]+)", page.text)
    assert state and "slack.com/oauth/v2/authorize" in page.text and "client_id=111.222" in page.text
    # Slack sends the browser back with a code; the state cookie proves it is the same browser.
    # (The cookie is marked Secure, so over the test's plain http it is handed back by hand.)
    cookie = page.headers["set-cookie"].split(";")[0]
    done = oauth_slack.http.get(
        "/slack/oauth_redirect",
        params={"code": "c0de", "state": state.group(1)},
        headers={"cookie": cookie},
    )
    assert done.status_code == 200, done.text
    oauth_slack.fake.wait_for("oauth.v2.access")
    with oauth_slack.db.transaction() as session:
        installer = session.scalars(select(Member).where(Member.user_id == "UINSTALLER")).one()
        assert installer.is_coordinator

    # Requests from the workspace now use the stored bot token.
    reply = oauth_slack.reply_to(oauth_slack.command("UINSTALLER", "student add 7B-03"))
    assert "registered" in reply
    assert "Only coordinators" in oauth_slack.reply_to(oauth_slack.command("USOMEONE", "student add 7B-04"))


def test_a_forged_state_is_refused(oauth_slack: SlackSim) -> None:
    response = oauth_slack.http.get("/slack/oauth_redirect", params={"code": "c0de", "state": "made-up"})
    assert response.status_code >= 400
    assert oauth_slack.fake.of("oauth.v2.access") == []
    assert isinstance(oauth_slack.http, httpx.Client)
