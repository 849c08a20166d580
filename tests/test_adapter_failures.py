"""Every adapter (Slack, Teams, the console, the clock, the web app) keeps children's data out of
the log: input that databases refuse (NUL, half a surrogate pair) is answered before it gets that
far, and a failure that quotes data anyway (as SQLAlchemy quotes `[parameters: ...]`) is logged
as where it happened, never what.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import StatementError

from bot.console import Console
from handlers.actors import SchoolDefaults
from models.db import Database
from schedules.clock import Clock
from tests.fake_slack import start_fake_slack
from tests.slack.conftest import SlackSim, modal_values, serve, slack_settings, text_of
from tests.teams_support import TeamsUser, TeamsWorld, aad_of, teams_token, teams_world

SECRET = "Hemlig Hemligsson"
NOTE = "Pappa sjuk igen"


def leaky_failure(*_args: object, **_kwargs: object) -> None:
    """What a database error looks like: its message quotes the statement's parameters."""
    raise StatementError(
        "(builtins.ValueError) cannot store", "UPDATE student SET display_name=?", {"name": SECRET}, None
    )


def nothing_secret_logged(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> str:
    """Everything logged or printed to stderr, checked for the secrets; returned for more checks."""
    logged = caplog.text + capfd.readouterr().err
    assert SECRET not in logged and NOTE not in logged, logged[-3000:]
    assert "Traceback (most recent call last)" not in logged  # tracebacks quote the error's message
    return logged


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- Slack ------------------------------------------------------------------------------------------


@pytest.fixture
def slack(db: Database) -> Iterator[SlackSim]:
    fake, server = start_fake_slack()
    try:
        for base_url in serve(slack_settings(fake), db):
            sim = SlackSim(base_url, fake, db)
            assert "registered" in sim.reply_to(sim.command("UADMIN", "student add 7B-03"))
            assert "mentored by" in sim.reply_to(sim.command("UADMIN", "assign 7B-03 <@UANNA|anna>"))
            yield sim
            sim.http.close()
    finally:
        server.shutdown()
        server.server_close()


def test_slack_answers_unreadable_input_and_logs_no_data(
    slack: SlackSim, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)
    reply = slack.reply_to(slack.command("UADMIN", f'student add 7B-11 "{SECRET}\x00"'))
    assert "characters I cannot read" in reply and "Usage: student add" in reply
    slack.command("UADMIN", "students", user_name=f"An\x00na {SECRET}")

    response = slack.command("UANNA", "checkin 7B-03")
    trigger = response.request.content.decode().split("trigger_id=")[1]
    view = slack.fake.wait_for("views.open", lambda c: c.args["trigger_id"] == trigger).args["view"]
    answers = {"met": "yes", "absent_days": "0", "absent_lessons": "0", "late_arrivals": "0"}
    answers |= {"behavioural": "4", "academic": "4", "cognitive": "3", "affective": "4", "concern": "no"}
    submitted = slack.submit_view("UANNA", view, modal_values({**answers, "note": f"{NOTE} \ud800"}))
    assert submitted.json()["response_action"] == "errors" and "note" in submitted.json()["errors"]

    nothing_secret_logged(caplog, capfd)
    assert not errors(caplog)


def test_a_slack_failure_is_logged_as_where_not_what(
    slack: SlackSim,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr("handlers.students.add_student", leaky_failure)
    reply = slack.reply_to(slack.command("UADMIN", f'student add 7B-11 "{SECRET}"'))
    assert "something went wrong" in reply
    assert "/mentor failed: StatementError" in nothing_secret_logged(caplog, capfd)
    assert all(SECRET not in text_of(call) for call in slack.fake.calls)


# -- Teams ------------------------------------------------------------------------------------------


@pytest.fixture
def teams(db: Database) -> Iterator[TeamsWorld]:
    with teams_world(db, frozenset({aad_of("admin")})) as world:
        admin, anna = world.user("admin"), world.user("anna")
        admin.install()
        anna.install()
        admin.say("student add 7B-03")
        admin.say("assign 7B-03 @anna", mentions=[anna])
        world.fake.clear()
        yield world


def said_to(world: TeamsWorld, person: TeamsUser) -> str:
    return "\n".join(posted.text for posted in world.fake.in_conversation(person.personal_chat))


def send_json(person: TeamsUser, activity: dict[str, Any]) -> httpx.Response:
    """Sent as Teams would: JSON with \\u escapes, which can carry half a surrogate pair."""
    return httpx.post(
        f"{person.bot_url}/api/messages",
        content=json.dumps(activity).encode(),
        headers={
            "Authorization": f"Bearer {teams_token(person.service_url)}",
            "Content-Type": "application/json",
        },
        timeout=30,
    )


def test_teams_answers_unreadable_input_and_logs_no_data(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)
    admin, anna = teams.user("admin"), teams.user("anna")
    assert admin.say(f'student add 7B-11 "{SECRET}\x00"').status == 200
    assert "characters I cannot read" in said_to(teams, admin)

    named = admin.personal(type="message", text="students")
    named["from"]["name"] = f"{SECRET}\x00\ud800"
    assert send_json(admin, named).status_code == 200

    answers = {"met": "yes", "absent_days": 0, "absent_lessons": 0, "late_arrivals": 0, "concern": "no"}
    answers |= {"behavioural": "4", "academic": "4", "cognitive": "3", "affective": "4"}
    data = {"do": "checkin.submit", "code": "7B-03", "kind": "adhoc", **answers, "note": f"{NOTE}\ud800"}
    value = {"action": {"type": "Action.Execute", "verb": "mentorbot", "data": data}}
    pressed = send_json(anna, anna.personal(type="invoke", name="adaptiveCard/action", value=value))
    assert pressed.status_code == 200
    assert pressed.json()["type"] == "application/vnd.microsoft.card.adaptive"  # the form again, with why

    nothing_secret_logged(caplog, capfd)
    assert not errors(caplog)


def test_a_teams_failure_is_logged_as_where_not_what(
    teams: TeamsWorld,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr("handlers.students.add_student", leaky_failure)
    admin = teams.user("admin")
    assert admin.say(f'student add 7B-11 "{SECRET}"').status == 200
    assert "Something went wrong" in said_to(teams, admin)
    logged = nothing_secret_logged(caplog, capfd)
    assert "Teams activity of type message failed: StatementError" in logged


# -- the console ------------------------------------------------------------------------------------


def console(db: Database, script: str) -> str:
    out = io.StringIO()
    defaults = SchoolDefaults("Europe/Stockholm", "en", frozenset({"admin"}))
    clock = Clock(db, _Silent())
    Console(db, defaults, "admin", io.StringIO(script), out, clock=clock).run()
    return out.getvalue()


class _Silent:
    def deliver(self, *_args: object) -> None:
        return None


def test_the_console_answers_unreadable_input_and_logs_no_data(
    db: Database, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)
    script = f'student add 7B-11 "{SECRET}\x00"\nstudent add 7B-12 "A\ud800"\n:as {"x" * 65}\nstudents\n'
    out = console(db, script)
    assert out.count("characters I cannot read") == 2 and "Usage: :as USER" in out
    assert "No students yet" in out
    nothing_secret_logged(caplog, capfd)
    assert not errors(caplog)


def test_a_console_failure_is_logged_as_where_not_what_and_the_console_goes_on(
    db: Database,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr("handlers.students.add_student", leaky_failure)
    out = console(db, f'student add 7B-11 "{SECRET}"\nhelp\n')
    assert "something went wrong" in out and "Commands" in out
    assert "console command failed: StatementError" in nothing_secret_logged(caplog, capfd)


# -- the clock --------------------------------------------------------------------------------------


def test_a_clock_failure_is_logged_as_where_not_what(
    db: Database,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr("schedules.clock.what_is_waiting", leaky_failure)
    Clock(db, _Silent())._scheduled_tick()  # as APScheduler runs it: nothing may escape
    assert "clock tick failed: StatementError" in nothing_secret_logged(caplog, capfd)


# -- the web app's last guard -----------------------------------------------------------------------


def test_an_unexpected_web_failure_is_a_500_logged_as_where_not_what(
    slack: SlackSim,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr("bot.web.well_formed", leaky_failure)
    response = slack.command("UADMIN", f'student add 7B-11 "{SECRET}"')
    assert response.status_code == 500 and SECRET not in response.text
    assert "/slack/events failed: StatementError" in nothing_secret_logged(caplog, capfd)
