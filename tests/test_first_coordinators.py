"""Coordinators nobody appointed: MENTORBOT_COORDINATORS and the app's first install, one school each.

A bare user id in MENTORBOT_COORDINATORS is coordinator of the first school where that person uses
the bot and of no other; "WORKSPACE:USER" names someone for one workspace. Installing the app again
(or an install recorded before this rule existed) makes nobody coordinator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from pydantic import ValidationError
from sqlalchemy import select

from bot.config import Settings
from handlers.actors import Caller, SchoolDefaults
from handlers.dispatch import Core
from handlers.installs import app_installed
from models import FirstInstall, Member, Organisation, School, migrate
from models.db import Database
from tests.driver import Driver, Reply

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_a_bare_configured_id_is_coordinator_only_where_it_first_acts(db: Database) -> None:
    bot = Driver(db, coordinators=frozenset({"admin"}))
    assert not bot.say("admin", "student add 7B-03").outcome.refused
    # The same id in another workspace (a Grid user is one id in every workspace of the org).
    reply = bot.say("admin", "students", workspace="school-b")
    assert reply.outcome.refused and "Only coordinators" in reply.text
    assert not bot.say("admin", "students").outcome.refused


def test_a_coordinator_from_before_the_binding_is_bound_where_they_act_next(db: Database) -> None:
    with db.transaction() as session:  # as an earlier version left it: coordinator, bound nowhere
        school = School(
            organisation=Organisation(platform="console", workspace_id="school-a", created_at=NOW),
            platform="console",
            workspace_id="school-a",
            created_at=NOW,
        )
        session.add(Member(school=school, user_id="admin", is_coordinator=True, created_at=NOW))
    bot = Driver(db, coordinators=frozenset({"admin"}))
    assert not bot.say("admin", "students").outcome.refused
    assert bot.say("admin", "students", workspace="school-b").outcome.refused


def test_a_coordinator_can_be_named_for_one_workspace(db: Database) -> None:
    bot = Driver(db, coordinators=frozenset({"school-b:bea"}))
    assert bot.say("bea", "students", workspace="school-a").outcome.refused
    assert not bot.say("bea", "student add 8A-11", workspace="school-b").outcome.refused
    assert bot.say("bea", "students", workspace="school-c").outcome.refused


def test_the_configured_role_can_be_taken_away_only_where_it_applies(db: Database) -> None:
    bot = Driver(db, coordinators=frozenset({"admin", "school-b:bea"}))
    bot.say("admin", "students")  # admin's school is school-a
    # School B's coordinator appoints admin there too, and may take that back ...
    assert not bot.say("bea", "role add @admin coordinator", workspace="school-b").outcome.refused
    reply = bot.say("bea", "role remove @admin coordinator", workspace="school-b")
    assert not reply.outcome.refused and "no longer has the role" in reply.text
    # ... but not bea's own configured role, nor admin's in school A.
    assert (
        "MENTORBOT_COORDINATORS" in bot.say("bea", "role remove @bea coordinator", workspace="school-b").text
    )
    bot.say("admin", "role add @cora coordinator")
    assert "MENTORBOT_COORDINATORS" in bot.say("cora", "role remove @admin coordinator").text


def test_the_setting_takes_ids_and_workspace_ids() -> None:
    settings = Settings(_env_file=None, MENTORBOT_COORDINATORS=" T0123ABC:U0456DEF, @U0789, ,W01")
    assert settings.coordinators == frozenset({"T0123ABC:U0456DEF", "U0789", "W01"})
    for wrong in ("T1:U2:U3", ":U1", "T1:"):
        with pytest.raises(ValidationError, match="WORKSPACE:USER"):
            Settings(_env_file=None, MENTORBOT_COORDINATORS=wrong)


def test_installs_before_the_upgrade_count_as_first_installs(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = migrate.alembic_config(str(db.engine.url))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
        connection.execute(
            sa.text(
                "INSERT INTO school (platform, workspace_id, name, timezone, language, thresholds,"
                " created_at) VALUES ('slack', 'T0OLD', '', 'Europe/Stockholm', 'sv', '{}', '2026-01-01')"
            )
        )
        for user, enterprise, team, org_wide in (
            ("UFIRST", "E0ORG", "T0OLD", False),
            ("USECOND", "E0ORG", "T0OLD", False),
            ("WADMIN", "E0KOMMUN", None, True),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO slack_installations (client_id, app_id, enterprise_id, team_id, user_id,"
                    " is_enterprise_install, installed_at)"
                    " VALUES ('111.222', 'A0APP', :enterprise, :team, :user, :org_wide, '2026-01-01')"
                ),
                {"enterprise": enterprise, "team": team, "user": user, "org_wide": org_wide},
            )
    migrate.upgrade(db.engine)

    defaults = SchoolDefaults(language="en")
    app_installed(db, defaults, NOW, "slack", "UMALLORY", "T0OLD", "E0ORG")
    with db.transaction() as session:
        firsts = {
            (f.installed_into, f.installer_user_id, f.org_wide) for f in session.scalars(select(FirstInstall))
        }
        mallory = session.scalars(select(Member).where(Member.user_id == "UMALLORY")).one()
        assert not mallory.is_coordinator
        assert mallory.school.enterprise_id == "E0ORG"
    assert firsts == {("T0OLD", "UFIRST", False), ("E0KOMMUN", "WADMIN", True)}
    db.dispose()


def test_the_installer_administers_the_organisation_and_a_later_installer_does_not(db: Database) -> None:
    defaults = SchoolDefaults(language="en")
    app_installed(db, defaults, NOW, "slack", "UINSTALLER", "T0KOMMUN")
    app_installed(db, defaults, NOW, "slack", "UOTHER", "T0KOMMUN")  # installed again: no roles
    core = Core(db, defaults, clock=lambda: NOW)

    def say(user: str, text: str) -> Reply:
        return Reply(core.command(Caller("slack", "T0KOMMUN", user), text))

    added = say("UINSTALLER", "school add Norrskolan @UBEA")
    assert not added.outcome.refused, added.text
    refused = say("UOTHER", "school add Söderskolan")
    assert refused.outcome.refused and "Only the organisation's admins" in refused.text
    # The admin holds no role in the new school: its coordinator runs it.
    say("UINSTALLER", "school Norrskolan")
    assert say("UINSTALLER", "students").outcome.refused
    assert not say("UBEA", "students").outcome.refused


def test_admins_and_programme_leads_take_ids_and_workspace_ids() -> None:
    settings = Settings(
        _env_file=None, MENTORBOT_ADMINS="T0KOMMUN:U1, U2", MENTORBOT_PROGRAMME_LEADS="U3"
    )
    assert settings.admins == frozenset({"T0KOMMUN:U1", "U2"})
    assert settings.programme_leads == frozenset({"U3"})
    with pytest.raises(ValidationError):
        Settings(_env_file=None, MENTORBOT_ADMINS="T0 KOMMUN:U1")
