"""The shared command language: spellings, mentions, usage on bad arguments, closest command on typos."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.commands import parse, parse_channel, parse_mention
from models.messages import Refused


def refusal(text: str) -> Refused:
    with pytest.raises(Refused) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("help", "help"),
        ("", "help"),
        ("hjälp", "help"),
        ("student add 7B-03", "student add"),
        ("elev ny 7B-03 Alex", "student add"),
        ("elev lägg till 7B-03", "student add"),
        ("Student Remove 7B-03", "student remove"),
        ("elev ta bort 7B-03", "student remove"),
        ("students", "students"),
        ("elever", "students"),
        ("assign 7B-03 @anna", "assign"),
        ("tilldela 7B-03 <@U01ABC|anna>", "assign"),
        ("unassign 7B-03", "unassign"),
        ("koppla bort 7B-03", "unassign"),
        ("mentees", "mentees"),
        ("mentees <@U01ABC>", "mentees"),
        ("eht <#C0EHT|eht>", "eht"),
        ("eht #elevhalsa", "eht"),
        ("checkin 7B-03", "checkin"),
        ("avstämning 7B-03", "checkin"),
        ("alerts", "alerts"),
        ("larm", "alerts"),
        ("role add @erik eht", "role add"),
        ("roll ta bort @erik koordinator", "role remove"),
        ("mentor assign 7B-03 @anna", "assign"),
        ("language en", "language"),
        ("checkin undo 7B-03", "checkin undo"),
        ("ångra 7B-03", "checkin undo"),
        ("ångra avstämning 7B-03", "checkin undo"),
        ("students removed", "students removed"),
        ("elever borttagna", "students removed"),
        ("student reactivate 7B-03", "student reactivate"),
        ("elev återaktivera 7B-03", "student reactivate"),
    ],
)
def test_every_spelling_reaches_its_command(text: str, command: str) -> None:
    assert parse(text).spec.name == command


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("assign 7B-03", "assign"),
        ("assign 7B-03 anna", "assign"),
        ("assign 7B-03 @anna extra", "assign"),
        ("student add", "student add"),
        ("student remove", "student remove"),
        ("students now", "students"),
        ("eht", "eht"),
        ("eht general", "eht"),
        ("role add @erik boss", "role add"),
        ("role remove erik eht", "role remove"),
        ("mentees anna", "mentees"),
        ("checkin", "checkin"),
        ("language", "language"),
        ("student add 7B 09 Ali", "student add"),
        ("student add 7B-01 Ali extra=ja", "student add"),
        ("student edit 7B-01 Åsa", "student edit"),
        ("student edit 7B-01 name=Åsa namn=Åsa", "student edit"),
    ],
)
def test_missing_or_bad_arguments_give_that_commands_usage(text: str, usage: str) -> None:
    assert refusal(text).usage == usage


@pytest.mark.parametrize(
    ("typo", "closest"),
    [("asign 7B-03 @anna", "assign"), ("studnets", "students"), ("alert", "alerts"), ("mentess", "mentees")],
)
def test_unknown_command_suggests_the_closest(typo: str, closest: str) -> None:
    refused = refusal(typo)
    assert refused.usage == closest
    assert refused.message.params["typed"] == typo.split()[0]


def test_unrelated_word_points_to_help() -> None:
    refused = refusal("xyzzy")
    assert refused.usage is None
    assert "help" in refused.message.template


def test_unclosed_quote_is_explained() -> None:
    assert "quotation mark" in refusal('student add 7B-03 "Alex').message.template


def test_mentions_escaped_and_plain() -> None:
    assert parse_mention("<@U01ABC|anna>") == ("U01ABC", "anna")
    assert parse_mention("<@U01ABC>") == ("U01ABC", "")
    assert parse_mention("@anna") == ("anna", "anna")
    assert parse_channel("<#C0EHT|eht>") == "C0EHT"
    assert parse_channel("#eht") == "eht"
    with pytest.raises(ValueError):
        parse_mention("anna")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused_politely(text: str) -> None:
    try:
        parse(text)
    except Refused as refused:
        assert refused.message.template


def test_only_commands_that_change_nothing_are_answered_at_once() -> None:
    from handlers.commands import READING, reads_only, spec_named

    assert all(spec_named(name).reads for name in READING)
    assert reads_only("mentees") and reads_only("hjälp") and reads_only("frobnicate")
    assert not reads_only("student add 7B-03") and not reads_only("agenda") and not reads_only("report")
