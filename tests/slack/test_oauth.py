"""Installing into a workspace with OAuth: the install page, the redirect, the stored bot token,
and the installing person as the school's first coordinator (only at the workspace's first install)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from models import AuditEvent, Member
from tests.fake_slack import TEAM
from tests.slack.conftest import SlackSim, install


def test_install_makes_the_installer_a_coordinator(oauth_slack: SlackSim) -> None:
    install(oauth_slack)
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


def test_installing_again_makes_nobody_coordinator_and_is_audited(oauth_slack: SlackSim) -> None:
    install(oauth_slack, "UINSTALLER")
    assert "registered" in oauth_slack.reply_to(oauth_slack.command("UINSTALLER", "student add 7B-03"))

    # An ordinary member of the workspace runs the install again (Slack lets members add apps).
    install(oauth_slack, "UMALLORY")
    refused = oauth_slack.reply_to(oauth_slack.command("UMALLORY", "student export 7B-03"))
    assert "Only coordinators" in refused
    # The first installer keeps the role; the second install is in the school's audit trail.
    assert "7B-03" in oauth_slack.reply_to(oauth_slack.command("UINSTALLER", "students"))
    with oauth_slack.db.transaction() as session:
        events = session.execute(
            select(AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, Member.user_id)
            .outerjoin(Member, Member.id == AuditEvent.actor_id)
            .where(AuditEvent.action.like("app.install%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("app.install", "workspace", TEAM, "UINSTALLER"),
        ("app.install.again", "workspace", TEAM, "UMALLORY"),
    ]
