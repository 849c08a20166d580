"""The school on Teams cards and answers: its id in every button's data, its name on top.

Stamping happens after a card is built, so every card (prompts, alerts, forms, replies) gets it
the same way and no new button can be forgotten: each `Action.Execute` (or `Action.Submit`) gets
`"school": ID` in its data, which Teams sends back with the press (`bot.py` reads it as untrusted,
see `bot.schools`). Where the reader works in several schools (`Destination.school_name` is set),
a small subtle line with the school's name comes first; a plain text answer starts `[Norrskolan]`.
"""

from __future__ import annotations

from typing import Any

from bot.schools import school_id, school_name, with_school_prefix
from handlers.results import Destination

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
BUTTONS = ("Action.Execute", "Action.Submit")
SCHOOL_KEY = "school"


def stamp_card(card: dict[str, Any], destination: Destination | None) -> dict[str, Any]:
    """A card's JSON with its school's id on every button and its name as the first line."""
    school = school_id(destination)

    def stamped(value: Any) -> Any:
        if isinstance(value, list):
            return [stamped(inner) for inner in value]
        if not isinstance(value, dict):
            return value
        result = {key: stamped(inner) for key, inner in value.items()}
        if school is not None and result.get("type") in BUTTONS:
            data = result.get("data")
            result["data"] = {**(data if isinstance(data, dict) else {}), SCHOOL_KEY: school}
        return result

    card = stamped(card)
    name = school_name(destination)
    if name:
        line = {"type": "TextBlock", "text": name, "isSubtle": True, "size": "Small", "wrap": True}
        card["body"] = [line, *(card.get("body") or [])]
    return card


def stamp_activity(activity: dict[str, Any], destination: Destination | None) -> dict[str, Any]:
    """An outgoing activity with its cards stamped, or its text starting with the school's name."""
    if destination is None:
        return activity
    attachments = activity.get("attachments")
    if attachments:
        return {
            **activity,
            "attachments": [
                {**a, "content": stamp_card(a["content"], destination)}
                if a.get("contentType") == ADAPTIVE_CARD and isinstance(a.get("content"), dict)
                else a
                for a in attachments
            ],
        }
    if isinstance(activity.get("text"), str):
        return {**activity, "text": with_school_prefix(activity["text"], destination)}
    return activity
