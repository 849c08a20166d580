"""Organisations hold schools: a workspace (a municipality's tenant) is an organisation, and the
upgrade turns each existing workspace into one organisation with its one school, losing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from models import CheckIn, Member, Mentorship, Organisation, Person, School, Student, migrate
from models.db import Database
from tests.driver import Driver

LONG_AGO = datetime(2025, 8, 20, 6, 0, tzinfo=UTC)


def count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_database_of_the_previous_release_keeps_everything_in_one_organisation_per_workspace(
    db: Database,
) -> None:
    migrate.downgrade(db.engine, "0008")
    with db.engine.begin() as connection:
        for school_id, workspace in ((1, "T-NORR"), (2, "T-SODER")):
            connection.execute(
                text(
                    "INSERT INTO school (id, platform, workspace_id, name, timezone, language,"
                    " thresholds, created_at, eht_channel) VALUES (:id, 'slack', :workspace, '',"
                    " 'Europe/Stockholm', 'sv', '{}', :at, 'C0EHT')"
                ),
                {"id": school_id, "workspace": workspace, "at": LONG_AGO},
            )
            for member_id, user in ((school_id * 10, "UANNA"), (school_id * 10 + 1, "UADMIN")):
                connection.execute(
                    text(
                        "INSERT INTO member (id, school_id, user_id, display_name, is_coordinator,"
                        " is_mentor, is_eht, created_at)"
                        " VALUES (:id, :school, :user, '', :coordinator, true, false, :at)"
                    ),
                    {
                        "id": member_id,
                        "school": school_id,
                        "user": user,
                        "coordinator": user == "UADMIN",
                        "at": LONG_AGO,
                    },
                )
            connection.execute(
                text(
                    "INSERT INTO student (id, school_id, code, display_name, class_name, active, created_at)"
                    " VALUES (:id, :school, '7B-03', '', '7B', true, :at)"
                ),
                {"id": school_id, "school": school_id, "at": LONG_AGO},
            )
            connection.execute(
                text(
                    "INSERT INTO mentorship (id, student_id, mentor_id, started_at)"
                    " VALUES (:id, :id, :mentor, :at)"
                ),
                {"id": school_id, "mentor": school_id * 10, "at": LONG_AGO},
            )
    migrate.upgrade(db.engine)

    assert (count(db, School), count(db, Member), count(db, Student), count(db, Mentorship)) == (2, 4, 2, 2)
    with db.transaction() as session:
        organisations = session.scalars(select(Organisation).order_by(Organisation.workspace_id)).all()
        assert [(o.platform, o.workspace_id) for o in organisations] == [
            ("slack", "T-NORR"),
            ("slack", "T-SODER"),
        ]
        for school in session.scalars(select(School)):
            assert school.organisation.workspace_id == school.workspace_id
            assert school.eht_channel == "C0EHT"
        # Everyone who was a member is a person of that organisation, acting in its school.
        people = session.execute(
            select(Organisation.workspace_id, Person.user_id, School.workspace_id)
            .join(Organisation, Organisation.id == Person.organisation_id)
            .join(School, School.id == Person.current_school_id)
            .order_by(Organisation.workspace_id, Person.user_id)
        ).all()
        assert people == [
            ("T-NORR", "UADMIN", "T-NORR"),
            ("T-NORR", "UANNA", "T-NORR"),
            ("T-SODER", "UADMIN", "T-SODER"),
            ("T-SODER", "UANNA", "T-SODER"),
        ]


def test_first_contact_makes_an_organisation_with_one_school_and_works_as_before(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03 Alex")
    bot.say("admin", "assign 7B-03 @anna")
    assert "saved" in bot.check_in("anna", "7B-03").text
    bot.say("admin", "student add 8A-01", workspace="school-b")
    assert count(bot.db, Organisation) == 2 and count(bot.db, School) == 2
    assert count(bot.db, CheckIn) == 1
    with bot.db.transaction() as session:
        people = session.execute(
            select(Organisation.workspace_id, Person.user_id).join(
                Organisation, Organisation.id == Person.organisation_id
            )
        ).all()
    assert sorted(people) == [("school-a", "admin"), ("school-a", "anna"), ("school-b", "admin")]
