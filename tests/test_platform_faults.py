"""Slack misbehaving: 429 with Retry-After, 5xx, timeouts. Retried, nothing lost, nothing sent twice."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import delete, select

from bot.slack.notifier import SlackNotifier
from handlers.delivery import DeliveryFailed
from models import OutboxMessage, OutboxStatus
from models.base import utcnow
from models.db import Database
from schedules.outbox import deliver_pending
from tests.driver import Driver


class Flaky:
    """Answers chat.postMessage from a script: ("429", seconds) | ("500",) | ("slow", seconds) | ("ok",)."""

    def __init__(self, script: list[tuple]) -> None:
        self.script = list(script)
        self.attempts = 0
        self.posted: list[str] = []
        self.lock = threading.Lock()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.attempts += 1
            step = self.script.pop(0) if self.script else ("ok",)
        if step[0] == "429":
            handler.send_response(429)
            handler.send_header("Retry-After", str(step[1]))
            handler.end_headers()
            return
        if step[0] == "500":
            handler.send_response(500)
            handler.end_headers()
            return
        if step[0] == "slow":
            time.sleep(step[1])
            handler.send_response(200)  # too late: the client gave up and never sees it
            handler.end_headers()
            return
        with self.lock:
            self.posted.append("ok")
        body = json.dumps({"ok": True, "channel": "D1", "ts": f"{len(self.posted)}.0"}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@pytest.fixture
def flaky_slack(request: pytest.FixtureRequest) -> Iterator[tuple[Flaky, str]]:
    flaky = Flaky(request.param)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            flaky.answer(self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield flaky, f"http://127.0.0.1:{server.server_address[1]}/api/"
    server.shutdown()
    server.server_close()


def slack_school(bot: Driver) -> None:
    """One message waiting in the outbox, for anna (the notifier under test takes every school)."""
    bot.say("admin", "student add 7B-03")
    with bot.db.transaction() as session:
        session.execute(delete(OutboxMessage))
    bot.say("admin", "assign 7B-03 <@UANNA|anna>")


def statuses(db: Database) -> list[str]:
    with db.transaction() as session:
        return [m.status.value for m in session.scalars(select(OutboxMessage))]


@pytest.mark.parametrize("flaky_slack", [[("429", 1), ("ok",)]], indirect=True)
def test_rate_limited_delivery_waits_for_retry_after_and_posts_once(bot: Driver, flaky_slack) -> None:  # type: ignore[no-untyped-def]
    flaky, api = flaky_slack
    slack_school(bot)
    notifier = SlackNotifier(lambda _team: "xoxb-test", api, "en")
    started = time.monotonic()
    delivered = deliver_pending(bot.db, notifier, utcnow())
    assert time.monotonic() - started >= 0.9  # honoured Retry-After
    assert len(delivered) == 1 and flaky.posted == ["ok"] and flaky.attempts == 2
    assert statuses(bot.db) == ["sent"]


@pytest.mark.parametrize("flaky_slack", [[("500",), ("500",), ("ok",)]], indirect=True)
def test_server_errors_are_retried_later_with_backoff_and_nothing_is_lost(bot: Driver, flaky_slack) -> None:  # type: ignore[no-untyped-def]
    flaky, api = flaky_slack
    slack_school(bot)
    notifier = SlackNotifier(lambda _team: "xoxb-test", api, "en")
    now = utcnow()
    assert deliver_pending(bot.db, notifier, now) == []
    assert statuses(bot.db) == ["pending"]
    assert deliver_pending(bot.db, notifier, now + timedelta(seconds=30)) == []  # backing off: not yet
    assert flaky.attempts == 1
    deliver_pending(bot.db, notifier, now + timedelta(minutes=3))
    assert flaky.attempts == 2 and statuses(bot.db) == ["pending"]
    deliver_pending(bot.db, notifier, now + timedelta(minutes=10))
    assert flaky.posted == ["ok"] and statuses(bot.db) == ["sent"]
    deliver_pending(bot.db, notifier, now + timedelta(hours=2))
    assert flaky.posted == ["ok"]


@pytest.mark.parametrize("flaky_slack", [[("slow", 3), ("ok",)]], indirect=True)
def test_a_timeout_is_retried(bot: Driver, flaky_slack, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    flaky, api = flaky_slack
    slack_school(bot)
    monkeypatch.setattr("bot.slack.notifier.CLIENT_TIMEOUT", 1)
    notifier = SlackNotifier(lambda _team: "xoxb-test", api, "en")
    now = utcnow()
    deliver_pending(bot.db, notifier, now)
    assert statuses(bot.db) == ["pending"]
    deliver_pending(bot.db, notifier, now + timedelta(minutes=5))
    assert flaky.posted == ["ok"] and statuses(bot.db) == ["sent"]


def test_the_outbox_gives_up_after_a_day_and_keeps_the_row(bot: Driver, db: Database) -> None:
    class Down:
        def deliver(self, destination, notification):  # type: ignore[no-untyped-def]
            raise DeliveryFailed("down")

    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    moment = utcnow()
    for _ in range(40):
        deliver_pending(db, Down(), moment)
        moment += timedelta(hours=1)
    assert OutboxStatus.FAILED.value in statuses(db)
