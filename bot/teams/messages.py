"""Handlers' results as Teams activities: cards where they help, plain text otherwise.

Member ids in Teams are Entra object ids, which mean nothing to a reader; `with_names` writes
the person's Teams display name in their place ("@Anna Svensson" rather than "@5f0c..."), and a
neutral word ("a colleague") for someone whose name the bot has not learnt yet: never the id.
"""

from __future__ import annotations

import re
from typing import Any

from bot.i18n import gettext as _g
from bot.render_text import render_content, render_reply
from bot.teams.cards import (
    alert_card,
    as_attachment,
    guardians_card,
    help_card,
    lines_card,
    prompt_card,
    report_card,
)
from handlers.results import (
    AlertNotice,
    DuePrompt,
    GuardiansToldQuestion,
    Help,
    Message,
    MonthReport,
    OpenCheckIn,
    Reply,
    TypedHint,
)
from models.messages import N_

SOMEONE = N_("a colleague")
_MENTIONED_ID = re.compile(r"@([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})")


def text_activity(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text}


def card_activity(card: Any) -> dict[str, Any]:
    summary = card.fallback_text.splitlines()[0] if card.fallback_text else ""
    return {"type": "message", "summary": summary[:200], "attachments": [as_attachment(card)]}


def reply_activities(language: str, replies: list[Reply]) -> list[dict[str, Any]]:
    """The answer to a command. OpenCheckIn is left to the caller, which knows how to show the form."""
    activities: list[dict[str, Any]] = []
    texts: list[str] = []

    def flush() -> None:
        if texts:
            activities.append(text_activity("\n\n".join(texts)))
            texts.clear()

    for reply in replies:
        if isinstance(reply, Message | TypedHint):
            texts.append(render_reply(language, reply)[0])
            continue
        if isinstance(reply, OpenCheckIn):
            continue
        flush()
        if isinstance(reply, Help):
            activities.append(card_activity(help_card(language, reply)))
        elif isinstance(reply, MonthReport):
            activities.append(card_activity(report_card(language, reply)))
        else:
            activities.append(card_activity(lines_card(render_reply(language, reply))))
    flush()
    return activities


def content_activity(language: str, content: object) -> dict[str, Any]:
    """A notification (prompt, alert, digest, summary, message) as one activity."""
    if isinstance(content, DuePrompt):
        return card_activity(prompt_card(language, content))
    if isinstance(content, AlertNotice):
        return card_activity(alert_card(language, content))
    if isinstance(content, GuardiansToldQuestion):
        return card_activity(guardians_card(language, content))
    if isinstance(content, Message):
        return text_activity(render_content(language, content)[0])
    return card_activity(lines_card(render_content(language, content)))


def with_names(value: Any, names: dict[str, str], language: str) -> Any:
    """Replace @<object id> by @<display name> in every text of an activity or card."""
    someone = _g(language, SOMEONE)

    def named(match: re.Match[str]) -> str:
        name = names.get(match.group(1).lower())
        return f"@{name}" if name else someone

    def replace(inner: Any) -> Any:
        if isinstance(inner, str):
            return _MENTIONED_ID.sub(named, inner)
        if isinstance(inner, list):
            return [replace(v) for v in inner]
        if isinstance(inner, dict):
            return {k: replace(v) for k, v in inner.items()}
        return inner

    return replace(value)
