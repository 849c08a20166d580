"""The school a message belongs to, as every adapter carries it: stamped on buttons and forms, read
back when they are pressed or submitted, and named where the reader works in several schools.

A workspace may hold several schools, and the same student code may exist in two of them; a
prompt from one school pressed while the mentor acts in the other must still act in the school it
came from. So each button and form carries its school's id, and the adapter hands it to the core
as `Caller.school_id` (the core checks the person may act there). What comes back is untrusted:
only a plain positive integer of sane size counts, anything else is read as "no school" (a message
posted before schools were stamped; then the person's current school).
"""

from __future__ import annotations

import re
from dataclasses import replace

from handlers.actors import Caller
from handlers.results import Destination

# School ids are database integers: anything with more digits is not one of ours.
SCHOOL_ID_MAX = 10**9
_DIGITS = re.compile(r"[1-9][0-9]{0,8}")


def school_id_of(value: object) -> int | None:
    """A school id sent back as a JSON number (Teams card data); None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SCHOOL_ID_MAX:
        return value
    return None


def school_id_in_text(value: object) -> int | None:
    """A school id sent back as text (a Slack block id or modal metadata); None for anything else."""
    return int(value) if isinstance(value, str) and _DIGITS.fullmatch(value) else None


def in_school(caller: Caller, school_id: int | None) -> Caller:
    """The caller acting in the school the pressed message came from (None: their current school)."""
    return replace(caller, school_id=school_id)


def school_name(destination: Destination | None) -> str | None:
    """The name to show on a message, or None where the reader knows only one school."""
    return destination.school_name if destination is not None and destination.school_name else None


def school_id(destination: Destination | None) -> int | None:
    return destination.school_id if destination is not None else None


def with_school_prefix(text: str, destination: Destination | None) -> str:
    """Plain text with its school first, as `[Norrskolan] …`, where the reader has several."""
    name = school_name(destination)
    return f"[{name}] {text}" if name else text
