"""What people type is checked before anything is stored: no personal identity number in a name or
id however it is written (nor a near miss), no characters a database cannot hold, no id longer
than an id; and ten identical requests at once get the answers ten in a row would get.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from handlers.actors import Caller
from handlers.dispatch import Core
from models import CheckIn, ConversationReference, Member, School, SchoolBreak, Student
from models.db import Database
from models.personnummer import looks_like_personnummer
from tests.driver import Driver
from tests.fake_slack import start_fake_slack
from tests.slack.conftest import SlackSim, serve, slack_settings
from tests.teams_support import teams_world


def stored_names(db: Database) -> list[str]:
    """Every name, code and id a person could have typed, as stored."""
    with db.transaction() as session:
        return [
            *session.scalars(select(Student.code)),
            *session.scalars(select(Student.display_name)),
            *session.scalars(select(Student.class_name)),
            *session.scalars(select(Member.user_id)),
            *session.scalars(select(Member.display_name)),
            *session.scalars(select(SchoolBreak.name)),
            *(c or "" for c in session.scalars(select(School.eht_channel))),
        ]


@pytest.fixture
def school(bot: Driver) -> Driver:
    bot.say("admin", "student add 7B-03 Alex")
    bot.say("admin", "assign 7B-03 @anna")
    return bot


# -- item: personal identity numbers in names and ids ----------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "student add 7B-11 class=121212-1212",
        "student add 7B-11 name=121212\u20131212",  # en dash
        'student add 7B-11 "Kim 121212 - 1212"',
        "student add 7B-11 Kim 121212\u22121212",  # minus sign
        "student add 7B-11 Kim 121212-1213",  # a near miss: only the check digit is wrong
        "student add 121212.1212",
        "student edit 7B-03 class=1212\u00ad12-1212",  # soft hyphen inside
        "student edit 7B-03 name=Kim\u00a0121212/1212",
        "break add 2027-02-15 2027-02-19 121212-1212",
        "break add 2027-02-15 2027-02-19 Sportlov 1212\u200b12-1213",
        "eht #121212-1212",
        "assign 7B-03 @121212-1212",
        "role add @19121212-1212 mentor",
    ],
)
def test_no_name_or_id_holds_an_identity_number(school: Driver, command: str) -> None:
    before = stored_names(school.db)
    reply = school.say("admin", command)
    assert reply.outcome.refused, reply.text
    assert "personal identity number" in reply.text
    assert stored_names(school.db) == before


def test_a_display_name_from_the_platform_that_is_an_identity_number_is_not_kept(school: Driver) -> None:
    Core(school.db, school.defaults).command(Caller("console", "school-a", "kim", "19121212-1212"), "mentees")
    school.say("admin", "assign 7B-03 <@U0BO|121212\u20131212>")
    school.say("admin", "student add 8A-01")
    school.say("admin", "assign 8A-01 <@U0EVA|121212-1213>")  # a near miss
    assert not [name for name in stored_names(school.db) if looks_like_personnummer(name)]
    with school.db.transaction() as session:
        assert set(session.scalars(select(Member.user_id))) >= {"kim", "U0BO", "U0EVA"}


def test_slack_and_teams_display_names_holding_an_identity_number_are_not_kept(db: Database) -> None:
    fake, server = start_fake_slack()
    try:
        for base_url in serve(slack_settings(fake), db):
            slack = SlackSim(base_url, fake, db)
            assert "no mentees" in slack.reply_to(slack.command("UKIM", "mentees", user_name="19121212-1212"))
            slack.http.close()
    finally:
        server.shutdown()
        server.server_close()
    with teams_world(db) as world:
        eva = world.user("eva")
        activity = eva.personal(type="message", text="mentees")
        activity["from"]["name"] = "121212\u20131212"
        assert eva.send(activity).status == 200
    with db.transaction() as session:
        names = [*session.scalars(select(Member.display_name))]
        names += session.scalars(select(ConversationReference.display_name))
        assert len(session.scalars(select(Member)).all()) == 2
    assert names and not [name for name in names if name]


def test_free_text_loses_the_number_however_it_is_written(school: Driver) -> None:
    reply = school.check_in("anna", "7B-03", note="Mamma sa 121212\u2013\u200b1212 i telefon", strengths="")
    assert "personal identity number was removed" in reply.text
    with school.db.transaction() as session:
        assert session.scalars(select(CheckIn.note)).one() == "Mamma sa [personnummer borttaget] i telefon"


# -- item: NUL, half surrogate pairs and over-long ids get a usage answer -------------------------


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("student add 7B-11 name=An\x00na", "student add"),
        ("student add 7B-11 class=7\ud800B", "student add"),
        ("student edit 7B-03 name=Al\x00ex", "student edit"),
        ("break add 2027-02-15 2027-02-19 Sport\x00lov", "break add"),
        ("assign 7B-03 @" + "a" * 65, "assign"),
        ("assign 7B-03 <@" + "U" * 65 + "|anna>", "assign"),
        ("mentees @" + "m" * 65, "mentees"),
        ("eht #" + "c" * 65, "eht"),
        ("role add @" + "b" * 65 + " mentor", "role add"),
    ],
)
def test_unreadable_text_and_long_ids_get_the_commands_usage(
    school: Driver, caplog: pytest.LogCaptureFixture, command: str, usage: str
) -> None:
    before = stored_names(school.db)
    with caplog.at_level(logging.INFO):
        reply = school.say("admin", command)
    assert reply.outcome.refused
    assert f"Usage: {usage}" in reply.text, reply.text
    assert stored_names(school.db) == before
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_caller_id_longer_than_an_id_is_answered_politely(bot: Driver) -> None:
    outcome = Core(bot.db, bot.defaults).command(Caller("console", "school-a", "x" * 65), "mentees")
    assert outcome.refused
    assert not stored_names(bot.db)


@pytest.mark.parametrize("note", ["Pappa\x00 sjuk", "Pappa sjuk \ud800"])
def test_a_note_with_unreadable_characters_is_sent_back_to_the_form(school: Driver, note: str) -> None:
    reply = school.check_in("anna", "7B-03", note=note)
    assert set(reply.outcome.form_errors) == {"note"}
    with school.db.transaction() as session:
        assert session.scalars(select(CheckIn)).all() == []


def test_ten_identical_adds_at_once_get_the_answers_ten_in_a_row_would(bot: Driver) -> None:
    start = threading.Barrier(10)

    def add(_: int) -> str:
        start.wait()
        return bot.say("admin", "student add 7B-11 Kim").text

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(add, range(10)))
    assert sum("Student 7B-11 registered" in answer for answer in answers) == 1, answers
    assert sum("7B-11 is already registered" in answer for answer in answers) == 9, answers
    with bot.db.transaction() as session:
        assert session.scalars(select(Student.code)).all() == ["7B-11"]
