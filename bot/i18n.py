"""Translations and local formatting: English source texts, Swedish from `locale/sv/*.po` (Babel).

Messages are translated when they are shown, in the reader's language, so the same outcome can
be shown in Swedish to one person and in English to another; decimals and percentages in their
parameters are written the reader's way too (3,3 and 25 % in Swedish).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from models.messages import Message

LOCALE_DIR = Path(__file__).with_name("locale")
LOCALES = {"sv": "sv_SE", "en": "en_GB"}


@cache
def catalogue(language: str) -> dict[str, str]:
    """All translations for a language; each area of the product keeps its own .po file."""
    texts: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / language).glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=LOCALES.get(language, language))
        texts.update(
            (m.id, m.string) for m in catalog if isinstance(m.id, str) and m.id and m.string and not m.fuzzy
        )
    return texts


def gettext(language: str, template: str) -> str:
    return catalogue(language).get(template, template)


def translate(language: str, message: Message | str) -> str:
    """Translate a message and fill its parameters; nested messages are translated too.

    A calendar date is written out in the reader's language: "Monday 4 May", "måndag 4 maj".
    """
    if isinstance(message, str):
        return gettext(language, message)
    params = {key: _local(language, value) for key, value in message.params.items()}
    return gettext(language, message.template).format(**params)


def _local(language: str, value: object) -> object:
    """A parameter as the reader writes it: messages translated, decimals with their comma (3,3),
    dates as a weekday and date (måndag 4 maj)."""
    if isinstance(value, Message):
        return translate(language, value)
    if isinstance(value, float):
        return format_decimal(value, locale=LOCALES[language])
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value, "EEEE d MMMM", locale=LOCALES.get(language, "sv_SE"))
    return value


def local_percent(language: str, fraction: float) -> str:
    """A share as a percentage the reader's way: 25 % in Swedish, 25% in English."""
    return format_percent(fraction, locale=LOCALES[language])


def local_time(language: str, moment: datetime, timezone: str) -> str:
    """A short local date and time, e.g. 'mån 30 nov. 08:30' in Swedish."""
    return format_datetime(moment, "EEE d MMM HH:mm", tzinfo=ZoneInfo(timezone), locale=LOCALES[language])


def local_date(language: str, moment: datetime, timezone: str) -> str:
    return format_datetime(moment, "d MMM", tzinfo=ZoneInfo(timezone), locale=LOCALES[language])
