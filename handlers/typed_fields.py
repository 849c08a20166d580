"""Names and ids people type, checked the same way in every command before anything is stored.

A student's name and class, a break's name, a mentioned person or channel: none may hold a
personal identity number, nor a near miss (a real date with a wrong check digit is most likely
a real number mistyped), and none may hold characters a database cannot store. The refusal says
why; nothing is saved.
"""

from __future__ import annotations

from models.messages import N_, Refused
from models.personnummer import looks_like_personnummer
from models.typed_text import unreadable

NOT_A_PERSONNUMMER = N_(
    "That looks like a personal identity number, so I saved nothing. "
    "Use pseudonymous codes and first names only."
)
UNREADABLE = N_("Your text contains characters I cannot read (control characters). Please type it again.")


def check_name(text: str, usage: str | None = None) -> str:
    """A name or other short free text that will be stored as typed."""
    if unreadable(text):
        raise Refused(UNREADABLE, usage=usage)
    if looks_like_personnummer(text):
        raise Refused(NOT_A_PERSONNUMMER)
    return text

