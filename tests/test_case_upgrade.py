"""The upgrade to one case per student: a database of the previous release, with alerts in every
state, comes out with each student's unresolved alerts as one open case and each resolved alert as a
resolved case, losing nothing the team recorded; old cards can never act on another student's case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import AlertCase, AlertStatus, OutboxMessage, OutboxStatus, migrate
from models.base import UTCDateTime
from models.db import Database
from tests.driver import Driver

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def insert(connection: sa.Connection, table: str, **values: Any) -> None:
    """A row as the previous release wrote it (times through the UTC type, so both databases agree)."""

    def column(name: str, value: Any) -> sa.ColumnClause[Any]:
        if isinstance(value, datetime):
            return sa.column(name, UTCDateTime())
        if isinstance(value, dict | list):
            return sa.column(name, sa.JSON())
        if isinstance(value, date):
            return sa.column(name, sa.Date())
        return sa.column(name)

    connection.execute(sa.table(table, *(column(k, v) for k, v in values.items())).insert().values(**values))


def alert(connection: sa.Connection, id: int, student: int, rule: str, **values: Any) -> None:
    opened = values.pop("opened_at", T0)
    insert(
        connection,
        "alert",
        id=id,
        student_id=student,
        rule=rule,
        status=values.pop("status", "open"),
        evidence=values.pop("evidence", {"trend": "▁"}),
        opened_at=opened,
        updated_at=values.pop("updated_at", opened),
        raised_at=values.pop("raised_at", opened),
        **values,
    )


def previous_release(db: Database) -> None:
    migrate.downgrade(db.engine, "0011")
    with db.engine.begin() as connection:
        insert(
            connection,
            "organisation",
            id=1,
            platform="console",
            workspace_id="school-a",
            name="",
            created_at=T0,
        )
        insert(
            connection,
            "school",
            id=1,
            organisation_id=1,
            platform="console",
            workspace_id="school-a",
            name="",
            timezone="Europe/Stockholm",
            language="en",
            thresholds={},
            created_at=T0,
            eht_channel="eht",
        )
        for member_id, user, eht in (
            (1, "admin", False),
            (2, "anna", False),
            (3, "erik", True),
            (4, "frida", True),
        ):
            insert(
                connection,
                "member",
                id=member_id,
                school_id=1,
                user_id=user,
                display_name="",
                is_coordinator=user == "admin",
                is_mentor=user == "anna",
                is_eht=eht,
                created_at=T0,
            )
            insert(
                connection,
                "person",
                id=member_id,
                organisation_id=1,
                user_id=user,
                current_school_id=1,
                is_admin=False,
                created_at=T0,
            )
        for student_id, code in ((1, "7B-03"), (2, "8A-11")):
            insert(
                connection,
                "student",
                id=student_id,
                school_id=1,
                code=code,
                display_name="",
                class_name=code[:2],
                active=True,
                created_at=T0,
            )
            insert(connection, "mentorship", id=student_id, student_id=student_id, mentor_id=2, started_at=T0)
        day = timedelta(days=1)
        # 7B-03: an old alert resolved with a follow-up, and two unresolved ones the team worked on.
        alert(
            connection,
            1,
            1,
            "low_rating",
            status="resolved",
            acknowledged_by_id=3,
            acknowledged_at=T0 + day,
            owner_id=3,
            resolved_by_id=3,
            resolved_at=T0 + 2 * day,
            outcome="talked",
            follow_up_on=date(2026, 3, 20),
            message_ref="eht:1",
        )
        alert(
            connection,
            2,
            1,
            "attendance",
            opened_at=T0 + 10 * day,
            status="acknowledged",
            evidence={"percent": 85.0, "absent": 3.0, "school_days": 20, "threshold": 90, "trend": "▃"},
            acknowledged_by_id=3,
            acknowledged_at=T0 + 11 * day,
            investigation_started=True,
            investigation_recorded_at=T0 + 11 * day,
            message_ref="eht:2",
        )
        alert(
            connection,
            3,
            1,
            "concern",
            opened_at=T0 + 12 * day,
            updated_at=T0 + 14 * day,
            raised_at=T0 + 17 * day,  # posted again: nobody had acknowledged it
            status="owned",
            evidence={"domain": "home", "trend": ""},
            acknowledged_by_id=4,
            acknowledged_at=T0 + 14 * day,
            owner_id=4,
            message_ref="eht:3",
        )
        # 8A-11: an alert whose check-in its author withdrew.
        alert(
            connection,
            4,
            2,
            "concern",
            opened_at=T0 + 12 * day,
            status="resolved",
            resolved_at=T0 + 12 * day + timedelta(hours=2),
            outcome="withdrawn",
        )
        # The outbox: a card of the old shape still to send, and a plain message.
        for outbox_id, content in ((1, {"type": "AlertNotice", "alert_id": 3}), (2, {"type": "Message"})):
            insert(
                connection,
                "outbox_message",
                id=outbox_id,
                school_id=1,
                dedupe_key=f"once:{outbox_id}",
                recipient_kind="channel",
                recipient_id="eht",
                language="en",
                content={**content, "template": "x", "params": {}} if outbox_id == 2 else content,
                prompt_ids=[],
                status="pending",
                attempts=0,
                created_at=T0,
            )
        if connection.dialect.name == "postgresql":
            # The previous release numbered its rows from these sequences.
            for table in ("organisation", "school", "member", "person", "student", "mentorship", "alert"):
                connection.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
                )
    migrate.upgrade(db.engine)


def test_the_upgrade_makes_one_case_per_student_and_keeps_every_alert(db: Database) -> None:
    previous_release(db)
    day = timedelta(days=1)
    with db.transaction() as session:
        cases = {
            case.id: case
            for case in session.scalars(select(AlertCase).options(selectinload(AlertCase.alerts)))
        }
        assert sorted(cases) == [1, 3, 4]
        resolved, open_case, withdrawn = cases[1], cases[3], cases[4]
        # Each resolved alert is a resolved case with what the team recorded.
        assert (resolved.status, resolved.outcome, resolved.follow_up_on) == (
            AlertStatus.RESOLVED,
            "talked",
            date(2026, 3, 20),
        )
        assert (resolved.owner.user_id, resolved.resolved_by.user_id) == ("erik", "erik")
        assert [a.rule for a in resolved.alerts] == ["low_rating"]
        # The student's unresolved alerts: one case, numbered and carded as the newest of them.
        assert sorted(a.rule for a in open_case.alerts) == ["attendance", "concern"]
        assert [a.id for a in open_case.alerts] == [2, 3]
        assert open_case.status is AlertStatus.OWNED and open_case.owner.user_id == "frida"
        assert open_case.acknowledged_by.user_id == "erik" and open_case.acknowledged_at == T0 + 11 * day
        assert open_case.investigation_started is True
        assert open_case.message_ref == "eht:3" and open_case.opened_at == T0 + 10 * day
        assert open_case.reraised_at == T0 + 17 * day  # raised again once already
        assert open_case.risk == "urgent"  # a concern about home
        assert open_case.alerts[0].evidence["percent"] == 85.0
        # A withdrawn alert stays withdrawn.
        assert withdrawn.outcome == "withdrawn" and withdrawn.alerts[0].withdrawn_at == withdrawn.resolved_at
        outbox = {row.id: row.status for row in session.scalars(select(OutboxMessage))}
        assert outbox == {1: OutboxStatus.FAILED, 2: OutboxStatus.PENDING}


def test_after_the_upgrade_the_team_works_on_the_case_and_old_numbers_are_safe(db: Database) -> None:
    previous_release(db)
    bot = Driver(db)
    listing = bot.say("erik", "alerts").text.splitlines()
    assert listing[0] == "Open cases:" and len(listing) == 2
    assert listing[1].startswith("  #3    7B-03        🔴 Urgent")
    assert listing[1].endswith("Low attendance, Concern raised")
    # A button on the old card of alert #2 names no case, and never another student's.
    assert "There is no case #2" in bot.say("erik", "alert ack 2").text
    reply = bot.say("erik", "alert own 3")
    assert "You own case #3 for 7B-03." in reply.text
    [card] = reply.sent
    assert (
        card.startswith("[→ #eht] 🔴 Urgent · Case #3 · 7B-03")
        and "Investigation (7 kap. 19 a §): started." in card
    )
    # A new case is numbered after every alert there was.
    bot.check_in("anna", "8A-11", affective="1")
    assert "#5 " in bot.say("erik", "alerts").text
