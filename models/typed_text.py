"""Text from people and chat platforms, judged before it is stored: pure rules, no I/O.

Nobody types NUL or other control characters, and half a surrogate pair is not text at all, yet
both arrive (pasted, or escaped in JSON); PostgreSQL refuses NUL and no database can encode a
lone surrogate. Ids are short on every platform; one longer than the column is not an id. Names
the platform gives us (a display name, a mention's label, a channel's name) are kept only when
they hold no personal identity number; otherwise they are simply not kept.
"""

from __future__ import annotations

import re

from models.personnummer import looks_like_personnummer

ID_MAX = 64  # every user, workspace and channel id column is String(64)

# C0 and C1 controls except tab, line feed and carriage return; and surrogates.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Teams (Entra) ids: a platform's own, never typed by a person, whatever digits they hold.
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def unreadable(text: str) -> bool:
    """True when the text holds characters no one types and a database may refuse."""
    return _UNREADABLE.search(text) is not None


def without_unreadable(text: str) -> str:
    return _UNREADABLE.sub("", text)


def usable_id(value: str) -> bool:
    """An id we can store: 1-64 readable characters without spaces."""
    return 0 < len(value) <= ID_MAX and not unreadable(value) and not any(c.isspace() for c in value)


def typed_id_is_personnummer(value: str) -> bool:
    """A name typed as an id (`@anna`, `#eht`, a console login) that is, or nearly is, an identity number."""
    return not _GUID.fullmatch(value) and looks_like_personnummer(value)


def platform_name(raw: str, limit: int) -> str:
    """A name from the chat platform as we may keep it: readable, one line, at most `limit`
    characters; "" when it holds (or nearly holds) a personal identity number."""
    name = " ".join(without_unreadable(raw).split())
    return "" if looks_like_personnummer(name) else name[:limit]
