"""Swedish personal identity numbers are recognised so they can be refused or redacted."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.personnummer import contains_personnummer, looks_like_personnummer, redact_personnummer


@pytest.mark.parametrize(
    "text",
    [
        "900101-0017",
        "9001010017",
        "19900101-0017",
        "199001010017",
        "900101+0017",  # over 100 years old
        "701063-2391",  # samordningsnummer: day + 60
        "student 811218-9876 x",
    ],
)
def test_recognised(text: str) -> None:
    assert contains_personnummer(text)


@pytest.mark.parametrize(
    "text",
    ["900101-0018", "7B-03", "901301-0017", "123", "2026-11-23", "12345678901234", "9001010"],
)
def test_not_recognised(text: str) -> None:
    assert not contains_personnummer(text)


def test_redaction_replaces_every_number() -> None:
    text, count = redact_personnummer("a 900101-0017 b 199001010017 c")
    assert count == 2
    assert "0017" not in text and text.startswith("a ") and text.endswith(" c")


# -- how people (and their software) actually write them ----------------------------------------

VALID = "121212-1212"  # 12 December 1912 (or 2012), serial 121, check digit 2


@pytest.mark.parametrize(
    "text",
    [
        "121212\u20131212",  # en dash
        "121212\u22121212",  # minus sign
        "121212\u20111212",  # non-breaking hyphen
        "121212\u00a01212",  # no-break space
        "1212\u200b12-1212",  # zero-width space inside
        "121212-12\u00ad12",  # soft hyphen inside
        "121212 - 1212",
        "121212.1212",
        "121212/1212",
        "\uff11\uff12\uff11\uff12\uff11\uff12-\uff11\uff12\uff11\uff12",  # full-width digits
        "19121212\u20131212",
    ],
)
def test_recognised_however_it_is_written(text: str) -> None:
    assert contains_personnummer(text), text
    redacted, count = redact_personnummer(f"Om {text}.")
    assert count == 1 and redacted == "Om [personnummer borttaget].", redacted


def test_a_near_miss_is_recognised_for_codes_and_names_only() -> None:
    near_miss = "121212-1213"  # a real date, the check digit wrong: most likely mistyped
    assert not contains_personnummer(near_miss)
    assert looks_like_personnummer(near_miss)
    assert looks_like_personnummer(VALID)
    for text in ("121312-1212", "7B-03", "2027-02-15 2027-02-19", "Sportlov v. 8", "070-123 45 67"):
        assert not looks_like_personnummer(text), text


def _with_check_digit(nine: str) -> str:
    for check in "0123456789":
        if contains_personnummer(nine + check):
            return nine + check
    raise AssertionError(nine)


numbers = st.builds(
    lambda day, serial, samordning: _with_check_digit(
        f"{day:%y%m}{day.day + (60 if samordning else 0):02d}{serial:03d}"
    ),
    st.dates(min_value=date(1910, 1, 1), max_value=date(2029, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.booleans(),
)
separators = st.sampled_from(["", "-", "+", " ", ".", "/", " - ", "\u2013", "\u2212", "\u2011", "\u00a0"])
invisible = st.sampled_from(["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäö ,:", max_size=30)


@settings(max_examples=300)
@given(
    number=numbers,
    separator=separators,
    hidden=st.lists(st.tuples(st.integers(min_value=1, max_value=9), invisible), max_size=2),
    before=words,
    after=words,
)
def test_any_valid_number_is_found_and_removed(
    number: str, separator: str, hidden: list[tuple[int, str]], before: str, after: str
) -> None:
    written = number[:6] + separator + number[6:]
    for position, char in sorted(hidden, reverse=True):
        written = written[:position] + char + written[position:]
    text = f"{before} {written} {after}"
    assert contains_personnummer(text)
    redacted, count = redact_personnummer(text)
    assert count == 1 and not looks_like_personnummer(redacted)
    assert redacted == f"{before} [personnummer borttaget] {after}"


@settings(max_examples=300)
@given(number=numbers, wrong=st.integers(min_value=1, max_value=9), separator=separators)
def test_a_wrong_check_digit_is_a_near_miss(number: str, wrong: int, separator: str) -> None:
    mistyped = number[:9] + str((int(number[9]) + wrong) % 10)
    written = mistyped[:6] + separator + mistyped[6:]
    assert not contains_personnummer(written)
    assert looks_like_personnummer(written)
    assert redact_personnummer(written) == (written, 0)


@given(text=words)
def test_words_are_never_numbers(text: str) -> None:
    assert not looks_like_personnummer(text)
    assert redact_personnummer(text) == (text, 0)
