"""Translatable messages and refusals, as plain data: the edge renders them in the user's language.

Templates are English source strings marked with `N_` so Babel can extract them; the Swedish
catalogues in `bot/locale/sv/` translate them. Parameters fill `{name}` placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(template: str) -> str:
    return template


@dataclass(frozen=True)
class Message:
    template: str
    params: dict[str, Any] = field(default_factory=dict)


def msg(template: str, **params: Any) -> Message:
    return Message(template, params)


class Refused(Exception):
    """A use case said no: the actor is told why, and nothing was changed.

    `usage` names the command whose usage should be shown alongside, when the input was at fault.
    """

    def __init__(self, template: str, usage: str | None = None, **params: Any) -> None:
        super().__init__(template)
        self.message = Message(template, params)
        self.usage = usage
