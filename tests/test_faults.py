"""When things misbehave: the database away, garbage typed, a platform down — polite answers, nothing lost."""

from __future__ import annotations

import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render_text import render_reply
from handlers.actors import Caller, SchoolDefaults
from handlers.dispatch import Core
from models.db import Database
from tests.driver import Driver

DEFAULTS = SchoolDefaults("Europe/Stockholm", "sv", frozenset({"admin"}))


def test_an_unreachable_database_gets_a_polite_answer_in_the_users_language(caplog) -> None:  # type: ignore[no-untyped-def]
    away = Database("postgresql://nobody@127.0.0.1:1/none")
    with caplog.at_level(logging.WARNING):
        outcome = Core(away, DEFAULTS).command(Caller("console", "w", "admin"), "students")
        form = Core(away, DEFAULTS).check_in(Caller("console", "w", "anna"), "7B-03", {})
    assert outcome.refused and form.refused
    for answer in (outcome, form):
        [text] = render_reply(answer.language, answer.reply[0])
        assert text.startswith("Jag når inte min databas just nu")
    assert "database unavailable" in caplog.text and "Traceback" not in caplog.text
    away.dispose()


def test_the_database_coming_back_is_used_again(bot: Driver) -> None:
    bot.db.engine.dispose()  # every pooled connection gone, as after a database restart
    assert "registered" in bot.say("admin", "student add 7B-03").text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_line_gets_an_answer_and_never_an_exception(bot: Driver, line: str) -> None:
    reply = bot.say("nils", line)
    assert reply.text.strip()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(
            ["met", "absent_days", "unexcused_days", "behavioural", "note", "concern", "concern_domain"]
        ),
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=50), st.floats(allow_nan=True)),
    )
)
def test_any_form_payload_is_saved_or_refused_field_by_field(bot: Driver, answers: dict) -> None:
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    reply = bot.check_in("anna", "7B-03", answers)
    assert reply.outcome.form_errors or not reply.outcome.refused


def test_the_clock_skips_a_tick_while_the_database_is_away_and_resumes(bot: Driver, caplog) -> None:  # type: ignore[no-untyped-def]
    from schedules.clock import Clock
    from tests.clock_support import RecordingNotifier, at, start_mentorships

    away = Database("postgresql://nobody@127.0.0.1:1/none")
    with caplog.at_level(logging.WARNING):
        Clock(away, RecordingNotifier(), now=lambda: at(2026, 11, 23, 9))._scheduled_tick()
    assert "clock tick skipped, database unreachable" in caplog.text and "Traceback" not in caplog.text
    away.dispose()
    # Back again: the next tick does the work that was due.
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    start_mentorships(bot.db, at(2026, 11, 20, 12))
    notifier = RecordingNotifier()
    Clock(bot.db, notifier, now=lambda: at(2026, 11, 23, 9))._scheduled_tick()
    assert notifier.prompted_codes() == ["7B-03"]
