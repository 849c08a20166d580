"""Fuzzing what chat platforms send: random, truncated, wrongly typed and huge payloads, correctly
signed, over real HTTP. Never a 5xx, never a traceback in the log, and the app keeps answering.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.db import Database
from tests.fake_slack import start_fake_slack
from tests.slack.conftest import SlackSim, serve, slack_settings
from tests.teams_support import TeamsWorld, aad_of, teams_world

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

# Anything JSON can hold, small or huge.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
huge_text = st.builds(lambda n: "x" * n, st.integers(min_value=10_000, max_value=200_000))


def slack_shaped(kind: str) -> st.SearchStrategy[dict]:
    """Payloads that look like Slack's, with any field replaced by anything."""
    base = st.fixed_dictionaries(
        {
            "type": st.just(kind),
            "team": st.one_of(json_values, st.just({"id": "T0SCHOOL"})),
            "user": st.one_of(json_values, st.just({"id": "UANNA", "username": "anna"})),
            "actions": st.one_of(json_values, st.lists(st.dictionaries(st.text(max_size=10), json_values))),
            "view": st.one_of(json_values, st.dictionaries(st.text(max_size=10), json_values)),
            "container": json_values,
            "trigger_id": json_values,
        }
    )
    return base


@pytest.fixture
def slack_app(db: Database) -> Iterator[SlackSim]:
    fake, server = start_fake_slack()
    try:
        for base_url in serve(slack_settings(fake), db):
            sim = SlackSim(base_url, fake, db)
            yield sim
            sim.http.close()
    finally:
        server.shutdown()
        server.server_close()


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Bad input is expected: it may be logged as a warning, never as an error with a stack."""
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], caplog.text[-2000:]


@FUZZ
@given(payload=st.one_of(slack_shaped("block_actions"), slack_shaped("view_submission"), json_values))
def test_slack_interactions(slack_app: SlackSim, caplog: pytest.LogCaptureFixture, payload: object) -> None:
    with caplog.at_level(logging.INFO):
        response = slack_app.interact(payload)  # type: ignore[arg-type]
    assert response.status_code < 500
    no_traceback(caplog)


@FUZZ
@given(text=st.one_of(st.text(max_size=300), huge_text), cut=st.integers(min_value=0, max_value=400))
def test_slack_commands_whole_and_truncated(
    slack_app: SlackSim, caplog: pytest.LogCaptureFixture, text: str, cut: int
) -> None:
    body = urlencode({"team_id": "T0SCHOOL", "user_id": "UANNA", "command": "/mentor", "text": text}).encode()
    with caplog.at_level(logging.INFO):
        whole = slack_app.post(body)
        truncated = slack_app.post(body[:cut])
    assert whole.status_code < 500 and truncated.status_code < 500
    no_traceback(caplog)


@pytest.fixture
def teams_app(db: Database) -> Iterator[TeamsWorld]:
    with teams_world(db, frozenset({aad_of("admin")})) as world:
        world.user("anna").install()
        yield world


@FUZZ
@given(
    activity=st.fixed_dictionaries(
        {
            "type": st.sampled_from(["message", "invoke", "conversationUpdate", "installationUpdate"])
            | json_values,
            "text": st.text(max_size=200) | huge_text | json_values,
            "name": st.just("adaptiveCard/action") | json_values,
            "value": json_values,
            "entities": json_values,
        }
    )
)
def test_teams_activities(teams_app: TeamsWorld, caplog: pytest.LogCaptureFixture, activity: dict) -> None:
    anna = teams_app.user("anna")
    with caplog.at_level(logging.INFO):
        answer = anna.send(anna.personal(**activity))
    assert answer.status < 500
    no_traceback(caplog)


def test_after_the_fuzz_the_apps_still_answer(slack_app: SlackSim, teams_app: TeamsWorld) -> None:
    slack_app.interact({"type": "block_actions", "actions": "x" * 100_000})
    assert "Commands" in slack_app.reply_to(slack_app.command("UANNA", "help"))
    anna = teams_app.user("anna")
    anna.send(anna.personal(type="message", text=json.dumps({"a": [1] * 10_000})))
    assert anna.say("help").status == 200
