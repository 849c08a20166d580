"""Fuzzing what chat platforms send: random, truncated, wrongly typed and huge payloads, correctly
signed, over real HTTP. Never a 5xx, never a traceback in the log, and the app keeps answering.
Nesting deep enough to crash a parser and bodies too large to hold are refused before they are
parsed or held, and a stranger is refused before either.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.db import Database
from tests.fake_slack import start_fake_slack
from tests.slack.conftest import SlackSim, serve, slack_settings
from tests.teams_support import TeamsWorld, aad_of, teams_token, teams_world

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


# -- nesting and size: bounded before anything parses, checked after who is asking ------------------

DEEP_ARRAY = "[" * 200_000  # 200 KB: json.loads would give up with a RecursionError
MB = 1024 * 1024


def deep_object(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth):
        value = {"a": value}
    return value


def teams_post(world: TeamsWorld, content: object, token: bool = True) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {teams_token(world.fake_url)}"
    return httpx.post(f"{world.bot_url}/api/messages", content=content, headers=headers, timeout=60)  # type: ignore[arg-type]


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body streamed in pieces, with no Content-Length: only counting can stop it."""
    piece = b"x" * size
    for _ in range(total // size):
        yield piece


def test_deep_nesting_never_reaches_a_parser_unauthenticated(
    teams_app: TeamsWorld, slack_app: SlackSim, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert teams_post(teams_app, DEEP_ARRAY, token=False).status_code == 401
        unsigned = slack_app.http.post("/slack/events", content=urlencode({"payload": DEEP_ARRAY}))
        assert unsigned.status_code == 401
    no_traceback(caplog)


def test_deeply_nested_signed_payloads_are_answered_politely(
    teams_app: TeamsWorld, slack_app: SlackSim, caplog: pytest.LogCaptureFixture
) -> None:
    anna = teams_app.user("anna")
    with caplog.at_level(logging.INFO):
        assert teams_post(teams_app, DEEP_ARRAY).status_code == 400
        nested = anna.personal(type="message", text="help", value=deep_object(200))
        assert teams_post(teams_app, json.dumps(nested)).status_code == 400
        form = "application/x-www-form-urlencoded"
        for body, content_type in (
            (urlencode({"payload": DEEP_ARRAY}).encode(), form),
            (urlencode({"payload": json.dumps(deep_object(200))}).encode(), form),
            (json.dumps({"type": "event_callback", "event": deep_object(200)}).encode(), "application/json"),
        ):
            response = slack_app.post(body, content_type=content_type)
            assert response.status_code == 200 and "could not read that request" in response.text
    no_traceback(caplog)
    # A payload as deep as Slack's and Teams' own still works.
    assert anna.say("help").status == 200
    assert "Commands" in slack_app.reply_to(slack_app.command("UANNA", "help"))


def test_oversize_bodies_get_413_and_strangers_401(teams_app: TeamsWorld, slack_app: SlackSim) -> None:
    two_mb = b"x" * (2 * MB)
    assert teams_post(teams_app, two_mb).status_code == 413
    assert teams_post(teams_app, chunks(8 * MB)).status_code == 413
    assert teams_post(teams_app, chunks(8 * MB), token=False).status_code == 401
    assert slack_app.post(two_mb).status_code == 413  # signed, and still too large
    looks_signed = {"x-slack-signature": "v0=00", "x-slack-request-timestamp": str(int(time.time()))}
    events = f"{slack_app.base_url}/slack/events"
    assert httpx.post(events, content=chunks(8 * MB), headers=looks_signed).status_code == 413
    assert httpx.post(events, content=chunks(8 * MB)).status_code == 401
    # Just under the limit is read, and refused for what it is.
    assert teams_post(teams_app, b" " * (MB - 10) + b"[]").status_code == 400


def _peak_rss_since_reset() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]


def test_eight_concurrent_50_mb_posts_are_never_held_in_memory(
    teams_app: TeamsWorld, slack_app: SlackSim
) -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # start measuring the peak from here
    except OSError:
        pytest.skip("needs Linux's /proc to measure the peak resident set")
    before = _peak_rss_since_reset()
    looks_signed = {"x-slack-signature": "v0=00", "x-slack-request-timestamp": str(int(time.time()))}

    def post(n: int) -> int:
        if n % 4 == 0:
            return teams_post(teams_app, chunks(50 * MB), token=False).status_code
        if n % 4 == 1:
            return teams_post(teams_app, chunks(50 * MB)).status_code
        headers = looks_signed if n % 4 == 2 else {}
        return slack_app.http.post("/slack/events", content=chunks(50 * MB), headers=headers).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(post, range(8)))
    assert _peak_rss_since_reset() - before < 40 * MB
    assert statuses == [401, 401, 401, 401, 413, 413, 413, 413]
