"""Swedish personal identity numbers are recognised so they can be refused or redacted."""

from __future__ import annotations

import pytest

from models.personnummer import contains_personnummer, redact_personnummer


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
