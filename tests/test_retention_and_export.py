"""Retention follows the school's recorded deletion decision, and without one deletes nothing; a
coordinator can export everything about one student."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, text

from models import AuditEvent, CheckIn, HandledRequest, Student, migrate
from models.audit import export_csv
from models.base import utcnow
from models.db import Database
from schedules.retention import run_retention
from tests.driver import Driver
from tests.test_console import run


def count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def age_everything(db: Database, days: int) -> None:
    """Make every record look `days` old."""
    past = datetime.now(UTC) - timedelta(days=days)
    with db.transaction() as session:
        for check_in in session.scalars(select(CheckIn)):
            check_in.recorded_at = past
        for event in session.scalars(select(AuditEvent)):
            event.at = past
        for student in session.scalars(select(Student).where(Student.active.is_(False))):
            student.deactivated_at = past


DECISION = "IHP 2024:3 2024-05-14"


def test_retention_is_set_with_its_deletion_decision_and_validated(bot: Driver) -> None:
    assert "No deletion decision (gallringsbeslut) is recorded, so nothing is deleted" in (
        bot.say("admin", "retention").text
    )
    reply = bot.say("admin", f"retention set 400 {DECISION}")
    assert f"kept 400 days, then deleted, under the deletion decision {DECISION}." in reply.text
    assert f"kept 400 days, then deleted, under the deletion decision {DECISION}." in (
        bot.say("admin", "retention").text
    )
    assert "kept 500 days" in bot.say("admin", "gallring sätt 500 Beslut 2025-01-10").text
    for bad in (
        "retention 400",
        "retention set",
        "retention set 400",
        "retention set 7 x",
        "retention set abc x",
    ):
        reply = bot.say("admin", bad)
        assert reply.outcome.refused and "Usage: retention set DAYS DECISION" in reply.text, bad
    assert bot.say("admin", "retention set 999999 x").outcome.refused
    assert bot.say("admin", "retention set 400 beslut om 121212-1212").outcome.refused
    assert bot.say("admin", f"retention set 400 {'x' * 201}").outcome.refused
    assert bot.say("anna", f"retention set 30 {DECISION}").outcome.refused
    assert "kept 500 days" in bot.say("admin", "retention").text


def test_without_a_decision_nothing_is_deleted(
    bot: Driver, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    bot.check_in("anna", "7B-03")
    bot.say("admin", "student remove 7B-03")
    age_everything(db, 20 * 365)
    with caplog.at_level(logging.INFO, logger="mentorbot.retention"):
        [(_, report)] = list(run_retention(db, utcnow()))  # the clock's daily run
    assert not report.decided and report.check_ins == report.students == 0
    assert count(db, CheckIn) == 1 and count(db, Student) == 1
    assert "nothing deleted: no deletion decision (gallringsbeslut) is recorded" in caplog.text


def test_a_school_from_before_decisions_keeps_everything_after_the_upgrade(db: Database) -> None:
    """A school with a period but no decision, as every school was before, keeps its records."""
    config = migrate.alembic_config(str(db.engine.url))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    try:
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO school (id, platform, workspace_id, name, timezone, language, thresholds,"
                    " created_at, retention_days) VALUES (1, 'console', 'old', '', 'Europe/Stockholm', 'sv',"
                    " '{}', :long_ago, 400)"
                ),
                {"long_ago": datetime(2010, 1, 1, tzinfo=UTC)},
            )
            connection.execute(
                text(
                    "INSERT INTO audit_event (school_id, action, object_type, object_id, at)"
                    " VALUES (1, 'student.add', 'student', '1', :long_ago)"
                ),
                {"long_ago": datetime(2010, 1, 1, tzinfo=UTC)},
            )
    finally:
        migrate.upgrade(db.engine)
    [(_, report)] = list(run_retention(db, utcnow(), force=True))
    assert not report.decided
    assert count(db, AuditEvent) == 1


def test_retention_deletes_old_records_and_long_inactive_students(bot: Driver, db: Database) -> None:
    assert not bot.say("admin", f"retention set 100 {DECISION}").outcome.refused
    for code in ("7B-03", "7B-04"):
        bot.say("admin", f"student add {code}")
        bot.say("admin", f"assign {code} @anna")
        bot.check_in("anna", code)
    bot.say("admin", "student remove 7B-04")
    age_everything(db, 50)
    list(run_retention(db, utcnow(), force=True))
    assert count(db, CheckIn) == 2 and count(db, Student) == 2
    age_everything(db, 101)
    bot.check_in("anna", "7B-03", note="today")
    [(_, report)] = list(run_retention(db, utcnow(), force=True))
    assert (report.check_ins, report.students) == (2, 1)
    assert count(db, CheckIn) == 1 and count(db, Student) == 1
    assert report.audit_events > 0
    # The clock runs it once a day, not every tick.
    assert list(run_retention(db, utcnow())) == []


def test_student_export_has_everything_and_is_audited(bot: Driver, db: Database) -> None:
    bot.say("admin", "student add 7B-03 Kim grade=7")
    bot.say("admin", "assign 7B-03 @anna")
    bot.check_in("anna", "7B-03", note="Privat anteckning")
    reply = bot.say("admin", "student export 7B-03")
    data = json.loads(reply.outcome.reply[0].json)
    assert data["student"]["code"] == "7B-03" and data["student"]["grade"] == 7
    assert data["mentorships"][0]["mentor"] == "anna"
    assert data["check_ins"][0]["note"] == "Privat anteckning"
    assert data["retention"] == {"days": None, "deletion_decision": None}  # nothing is deleted
    bot.say("admin", f"retention set 400 {DECISION}")
    data = json.loads(bot.say("admin", "student export 7B-03").outcome.reply[0].json)
    assert data["retention"] == {"days": 400, "deletion_decision": DECISION}
    assert bot.say("anna", "student export 7B-03").outcome.refused
    with db.transaction() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "student.export")) == 2


def test_audit_export_csv_names_actions_never_content(bot: Driver, db: Database) -> None:
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    bot.check_in("anna", "7B-03", note="Hemligt")
    out = io.StringIO()
    today = datetime.now(UTC).date()
    assert export_csv(db, today, today, out) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["actor"], r["action"]) for r in rows] == [
        ("admin", "student.add"),
        ("admin", "mentorship.assign"),
        ("anna", "checkin.create"),
    ]
    assert "Hemligt" not in out.getvalue()
    assert export_csv(db, date(2020, 1, 1), date(2020, 12, 31), io.StringIO()) == 0


def test_audit_export_names_students_by_code_not_internal_ids(bot: Driver, db: Database) -> None:
    for code in ("6A-01", "7B-03"):
        bot.say("admin", f"student add {code}")
    bot.say("admin", "assign 7B-03 @anna")
    bot.say("admin", "eht #eht")
    bot.check_in("anna", "7B-03", affective="1")
    bot.say("admin", "history 7B-03")
    out = io.StringIO()
    today = datetime.now(UTC).date()
    export_csv(db, today, today, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    about = {r["action"]: (r["student"], r["object_type"], r["object_id"]) for r in rows}
    assert about["student.history"] == ("7B-03", "student", "7B-03")
    assert about["mentorship.assign"][0] == "7B-03"
    assert about["checkin.create"][0] == "7B-03"
    assert about["case.open"][:2] == ("7B-03", "case")
    assert about["school.eht_channel"][0] == ""
    assert [r["object_id"] for r in rows if r["action"] == "student.add"] == ["6A-01", "7B-03"]


def test_audit_export_and_retention_commands(tmp_path: Path) -> None:
    run("student add 7B-03\n", tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin")
    today = datetime.now(UTC).date().isoformat()
    result = run("", tmp_path, "audit", "export", "--from", today, "--to", today)
    assert result.returncode == 0 and "student.add" in result.stdout
    assert run("", tmp_path, "audit", "export", "--from", "yesterday", "--to", today).returncode == 2
    retention = run("", tmp_path, "retention", "run")
    assert retention.returncode == 0
    assert "nothing deleted: no deletion decision (gallringsbeslut) is recorded" in retention.stdout


def test_keys_against_double_delivery_are_forgotten_after_a_week(bot: Driver, db: Database) -> None:
    bot.say("admin", "student add 7B-03")  # a school, so the daily run has something to do
    now = datetime.now(UTC)
    with db.transaction() as session:
        session.add_all(
            [
                HandledRequest(
                    key="slack:alert_ack:T1:UEVA:1700000000.000001:1", handled_at=now - timedelta(days=8)
                ),
                HandledRequest(
                    key="slack:alert_ack:T1:UEVA:1700000000.000002:2", handled_at=now - timedelta(days=6)
                ),
            ]
        )
    list(run_retention(db, now=now, force=True))
    with db.transaction() as session:
        assert list(session.scalars(select(HandledRequest.key))) == [
            "slack:alert_ack:T1:UEVA:1700000000.000002:2"
        ]
