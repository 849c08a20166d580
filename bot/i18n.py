"""Translations and local formatting: English source texts, Swedish from `locale/sv/*.po` (Babel).

Messages are translated when they are shown, in the reader's language, so the same outcome can
be shown in Swedish to one person and in English to another.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po

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
    params = {key: _parameter(language, value) for key, value in message.params.items()}
    return gettext(language, message.template).format(**params)


def _parameter(language: str, value: object) -> object:
    if isinstance(value, Message):
        return translate(language, value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value, "EEEE d MMMM", locale=LOCALES.get(language, "sv_SE"))
    return value


def local_time(language: str, moment: datetime, timezone: str) -> str:
    """A short local date and time, e.g. 'mån 30 nov. 08:30' in Swedish."""
    return format_datetime(moment, "EEE d MMM HH:mm", tzinfo=ZoneInfo(timezone), locale=LOCALES[language])


def local_date(language: str, moment: datetime, timezone: str) -> str:
    return format_datetime(moment, "d MMM", tzinfo=ZoneInfo(timezone), locale=LOCALES[language])
