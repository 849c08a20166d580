"""Enterprise Grid: a school is one Slack workspace (its team id), also inside a Grid org.

Two ways in: the app installed into one workspace of the org (that workspace's own bot token), or
installed once for the whole org (one org token for every workspace the admins add it to). Either
way requests, the clock's prompts and the installer's role all meet in the school of the workspace.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from bot.slack.notifier import slack_notifier
from models import AuditEvent, School
from schedules.clock import Clock
from tests.clock_support import at, start_mentorships
from tests.fake_slack import Call, Install
from tests.slack.conftest import SlackSim, install, oauth_slack_settings, text_of

ORG = "E0KOMMUN"
NORRA = "T0NORRA"  # two workspaces (schools) of the municipality's Grid org
SODRA = "T0SODRA"


def grid(team: str, org_wide: bool) -> dict[str, str]:
    """What a slash command from a workspace of the org carries besides its text."""
    return {"team_id": team, "enterprise_id": ORG, "is_enterprise_install": "true" if org_wide else "false"}


def clock_prompt(sim: SlackSim, mentor: str) -> Call:
    """The clock's Monday prompt for `mentor`, sent as the worker sends it."""
    start_mentorships(sim.db, at(2026, 10, 18, 12))
    notifier = slack_notifier(oauth_slack_settings(sim.fake), sim.db)
    Clock(sim.db, notifier, worker="test").tick(at(2026, 10, 19, 8, 31))
    prompts = [
        c for c in sim.fake.of("chat.postMessage") if c.args["channel"] == mentor and "7B-03" in text_of(c)
    ]
    assert prompts, [(c.method, c.error) for c in sim.fake.calls]
    return prompts[-1]


def schools(sim: SlackSim) -> set[tuple[str, str | None]]:
    with sim.db.transaction() as session:
        return {(s.workspace_id, s.enterprise_id) for s in session.scalars(select(School))}


def test_a_workspace_install_in_a_grid_org_prompts_with_that_workspaces_token(oauth_slack: SlackSim) -> None:
    oauth_slack.fake.install = Install(token="xoxb-norra", team=NORRA, enterprise=ORG)
    install(oauth_slack, "WREKTOR")
    norra = grid(NORRA, org_wide=False)
    assert "registered" in oauth_slack.reply_to(
        oauth_slack.command("WREKTOR", "student add 7B-03 Alex", **norra)
    )
    oauth_slack.reply_to(oauth_slack.command("WREKTOR", "assign 7B-03 <@WANNA|anna>", **norra))

    prompt = clock_prompt(oauth_slack, "WANNA")
    assert prompt.token == "xoxb-norra" and "Time to check in" in text_of(prompt)
    assert schools(oauth_slack) == {(NORRA, ORG)}


def test_an_org_wide_install_serves_every_workspace_with_the_org_token(oauth_slack: SlackSim) -> None:
    oauth_slack.fake.install = Install(token="xoxb-kommun", team=None, enterprise=ORG, org_wide=True)
    install(oauth_slack, "WIT")
    norra, sodra = grid(NORRA, org_wide=True), grid(SODRA, org_wide=True)

    # The org's installer becomes coordinator of the first school where they use the bot ...
    assert "registered" in oauth_slack.reply_to(oauth_slack.command("WIT", "student add 7B-03 Alex", **norra))
    oauth_slack.reply_to(oauth_slack.command("WIT", "assign 7B-03 <@WANNA|anna>", **norra))
    # ... and of no other school of the org.
    assert "Only coordinators" in oauth_slack.reply_to(oauth_slack.command("WIT", "students", **sodra))

    prompt = clock_prompt(oauth_slack, "WANNA")
    assert prompt.token == "xoxb-kommun" and "Time to check in" in text_of(prompt)

    # Events to an org-wide install name the org, not the workspace, in their authorizations;
    # the App Home still belongs to the mentor's school.
    open_home_org_wide(oauth_slack, "WANNA", NORRA)
    home = oauth_slack.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "WANNA")
    assert home.token == "xoxb-kommun" and "7B-03" in text_of(home)
    # One school for the workspace, none keyed by the org (the refused request in SODRA kept nothing).
    assert schools(oauth_slack) == {(NORRA, ORG)}


def test_installing_the_org_again_makes_nobody_coordinator(oauth_slack: SlackSim) -> None:
    oauth_slack.fake.install = Install(token="xoxb-kommun", team=None, enterprise=ORG, org_wide=True)
    install(oauth_slack, "WIT")
    norra = grid(NORRA, org_wide=True)
    assert "registered" in oauth_slack.reply_to(oauth_slack.command("WIT", "student add 7B-03", **norra))

    install(oauth_slack, "WMALLORY")
    for team in (NORRA, SODRA):
        refused = oauth_slack.reply_to(oauth_slack.command("WMALLORY", "students", **grid(team, True)))
        assert "Only coordinators" in refused
    with oauth_slack.db.transaction() as session:
        again = session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "app.install.again")
        ).all()
    assert again == [ORG]


def open_home_org_wide(sim: SlackSim, user: str, team: str) -> None:
    body = {
        "token": "legacy",
        "team_id": team,
        "enterprise_id": ORG,
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": "Ev0HOME",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": user, "channel": "D0DM", "tab": "home"},
        "authorizations": [
            {
                "enterprise_id": ORG,
                "team_id": None,
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ],
        "is_ext_shared_channel": False,
    }
    response = sim.post(json.dumps(body).encode(), content_type="application/json")
    assert response.status_code == 200
