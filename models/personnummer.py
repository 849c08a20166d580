"""Recognise Swedish personal identity numbers (personnummer, samordningsnummer) in text.

They must never be stored: the bot works with pseudonymous codes. A number counts when it has
10 or 12 digits, a real date (day + 60 for samordningsnummer) and a valid Luhn check digit.
Between the date and the last four digits people write `-`, `+`, `.`, `/` or a space, with or
without spaces around it, and chat clients and word processors turn a hyphen into an en dash, a
minus sign or a non-breaking hyphen, or slip in invisible characters (soft hyphen, zero-width
space). So text is folded first: Unicode compatibility forms (NFKC: full-width digits, NBSP),
format characters removed, every dash a `-`, every decimal digit an ASCII one.

A *near miss* has the shape and a real date but a wrong check digit: most likely a real number
mistyped. Codes and names refuse those too; free text, where phone numbers and the like are
common, only loses real numbers.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_PATTERN = re.compile(
    r"(?<![0-9])([0-9]{2})?([0-9]{2})([0-9]{2})([0-9]{2})\s*[-+./]?\s*([0-9]{3})([0-9])(?![0-9])"
)
_MINUS_SIGNS = {"\u2212", "\u2796"}  # minus sign, heavy minus sign (maths symbols, not dashes)


def _fold_char(char: str) -> str:
    if unicodedata.category(char) == "Cf":  # soft hyphen, zero-width space/joiners, bidi marks
        return ""
    folded = []
    for part in unicodedata.normalize("NFKC", char):
        if unicodedata.category(part) == "Pd" or part in _MINUS_SIGNS:
            folded.append("-")
        elif part.isspace():
            folded.append(" ")
        elif part.isdecimal():
            folded.append(str(unicodedata.decimal(part)))
        else:
            folded.append(part)
    return "".join(folded)


def fold(text: str) -> tuple[str, list[int]]:
    """The text as matched, and for each of its characters the index of the character it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        part = _fold_char(char)
        folded.append(part)
        origin.extend([index] * len(part))
    return "".join(folded), origin


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


def _dated(folded: str) -> list[tuple[re.Match[str], bool]]:
    """Every number-shaped run with a real date, and whether its check digit is right."""
    found = []
    for match in _PATTERN.finditer(folded):
        century, year2, month, day, serial, check = match.groups()
        if _date_ok(year2, month, day, century):
            found.append((match, _luhn_ok(year2 + month + day + serial, check)))
    return found


def contains_personnummer(text: str) -> bool:
    return any(valid for _match, valid in _dated(fold(text)[0]))


def looks_like_personnummer(text: str) -> bool:
    """A real number, or a near miss (a real date, only the check digit wrong): for codes and names."""
    return bool(_dated(fold(text)[0]))


def redact_personnummer(text: str, replacement: str = "[personnummer borttaget]") -> tuple[str, int]:
    """Return the text with every identity number replaced, and how many were replaced."""
    folded, origin = fold(text)
    spans = [
        (origin[match.start()], origin[match.end() - 1] + 1) for match, valid in _dated(folded) if valid
    ]
    for start, end in reversed(spans):
        text = text[:start] + replacement + text[end:]
    return text, len(spans)
