"""Every text a person can see exists in Swedish, with the same placeholders as the English source."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.i18n import catalogue, translate
from models.messages import msg

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"N_": None, "_g": (2,)}


def source_texts() -> set[str]:
    texts: set[str] = set()
    for package in ("bot", "handlers", "models", "schedules"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            if isinstance(message, str) and message:
                texts.add(message)
    return texts


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


SOURCE = sorted(source_texts())


def test_the_code_has_texts_to_translate() -> None:
    assert len(SOURCE) > 100


@pytest.mark.parametrize("text", SOURCE)
def test_swedish_translation_exists_with_same_placeholders(text: str) -> None:
    swedish = catalogue("sv").get(text)
    assert swedish, f"no Swedish for {text!r}"
    assert placeholders(swedish) == placeholders(text)


def test_nested_messages_are_translated_in_the_readers_language() -> None:
    message = msg("@{user} now has the role {role}.", user="erik", role=msg("coordinator"))
    assert translate("sv", message) == "@erik har nu rollen koordinator."
    assert translate("en", message) == "@erik now has the role coordinator."
