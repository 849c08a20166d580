"""Recognise Swedish personal identity numbers (personnummer, samordningsnummer) in text.

They must never be stored: the bot works with pseudonymous codes. A number counts when it has
10 or 12 digits, an optional separator (- or +), a real date (day + 60 for samordningsnummer)
and a valid Luhn check digit.
"""

from __future__ import annotations

import re
from datetime import date

_PATTERN = re.compile(r"(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})[-+ ]?(\d{3})(\d)(?!\d)")


def _luhn_ok(nine_digits: str, check: str) -> bool:
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10 == int(check)


def _date_ok(year2: str, month: str, day: str, century: str | None) -> bool:
    day_number = int(day)
    if day_number > 60:  # samordningsnummer: birth day + 60
        day_number -= 60
    year = int((century or "20") + year2)
    for candidate in (year, year - 100):
        try:
            date(candidate, int(month), day_number)
            return True
        except ValueError:
            continue
    return False


def _matches(text: str) -> list[re.Match[str]]:
    found = []
    for match in _PATTERN.finditer(text):
        century, year2, month, day, serial, check = match.groups()
        if _date_ok(year2, month, day, century) and _luhn_ok(year2 + month + day + serial, check):
            found.append(match)
    return found


def contains_personnummer(text: str) -> bool:
    return bool(_matches(text))


def redact_personnummer(text: str, replacement: str = "[personnummer borttaget]") -> tuple[str, int]:
    """Return the text with every identity number replaced, and how many were replaced."""
    matches = _matches(text)
    for match in reversed(matches):
        text = text[: match.start()] + replacement + text[match.end() :]
    return text, len(matches)
