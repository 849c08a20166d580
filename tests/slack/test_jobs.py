"""Changes are acked at once and done by the worker: nothing acked is lost when the process dies,
and a full queue is said so politely instead of being taken on."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.runtime import build_notifier
from bot.web import create_web_app
from bot.worker import Worker
from handlers import jobs
from models import Job, Student
from models.db import Database
from tests.fake_slack import FakeSlack
from tests.serving import serving
from tests.slack.conftest import SlackSim, slack_settings


def students(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Student)) or 0


def waiting(db: Database) -> int:
    return jobs.waiting(db)


def test_a_change_acked_before_the_process_died_is_done_once_after_the_restart(
    db: Database, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = slack_settings(fake_slack)
    # The first process acks and dies before its worker gets to the job.
    with monkeypatch.context() as dying:
        dying.setattr(Worker, "start", lambda self: None)
        with serving(create_web_app(settings, db, build_notifier(settings, db, sys.stdout))) as url:
            sim = SlackSim(url, fake_slack, db)
            acked = sim.command("UADMIN", "student add 7B-03 Alex")
            assert acked.status_code == 200 and acked.content.strip() in (b"", b"{}")
            sim.http.close()
    assert waiting(db) == 1 and students(db) == 0 and fake_slack.of("response_url") == []

    # The next process takes the job up as it starts, before any request comes in.
    app = create_web_app(settings, db, build_notifier(settings, db, sys.stdout))
    with serving(app, lifespan="on"):
        answer = fake_slack.wait_for("response_url", lambda c: c.args.get("_name") == "cmd1")
        assert "registered" in answer.args["text"]
        deadline = time.monotonic() + 5
        while waiting(db) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
    assert waiting(db) == 0 and students(db) == 1
    assert len(fake_slack.of("response_url")) == 1


def test_a_job_whose_worker_died_mid_way_is_taken_over_and_done_once(db: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert jobs.accept(db, "k1", "slack", "command", {"text": "x"}, now, limit=10) is jobs.Accepted.QUEUED
    assert jobs.accept(db, "k1", "slack", "command", {"text": "x"}, now, limit=10) is jobs.Accepted.REPEAT
    [claimed] = jobs.claim(db, "worker-a", now, 5, ["slack"])
    assert claimed.payload == {"text": "x"} and claimed.attempts == 1
    # Held by a live worker: nobody else takes it; Teams' workers never see Slack's jobs.
    assert jobs.claim(db, "worker-b", now + timedelta(seconds=30), 5, ["slack"]) == []
    assert jobs.claim(db, "worker-b", now + jobs.JOB_LEASE * 2, 5, ["teams"]) == []
    # Its worker died: after the lease it is taken over.
    [again] = jobs.claim(db, "worker-b", now + jobs.JOB_LEASE * 2, 5, ["slack"])
    assert again.id == claimed.id and again.attempts == 2
    jobs.done(db, again.id)
    assert jobs.waiting(db) == 0


def test_the_payload_is_encrypted_at_rest(db: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    jobs.accept(db, "k2", "slack", "view:checkin", {"note": "worried about home"}, now, limit=10)
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT payload FROM job")).scalar_one()
    assert "worried" not in stored


def test_a_full_queue_is_said_politely_in_the_persons_language_and_nothing_is_stored(
    db: Database, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = slack_settings(fake_slack, MENTORBOT_QUEUE_LIMIT="1", MENTORBOT_LANGUAGE="sv")
    monkeypatch.setattr(Worker, "start", lambda self: None)  # a worker that cannot keep up
    with serving(create_web_app(settings, db, build_notifier(settings, db, sys.stdout))) as url:
        sim = SlackSim(url, fake_slack, db)
        first = sim.command("UADMIN", "student add 7B-03")
        assert first.content.strip() in (b"", b"{}")  # taken: acked with nothing to show
        second = sim.command("UADMIN", "student add 8A-11")
        assert second.status_code == 200
        said = second.json()
        assert said["response_type"] == "ephemeral" and "upptagen" in said["text"]
        # Reading still works while the queue is full: it is answered in the ack.
        assert sim.command("UADMIN", "help").json()["text"]
        sim.http.close()
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 1
