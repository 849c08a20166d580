"""Translatable messages and refusals, as plain data: the edge renders them in the user's language.

Templates are English source strings marked with `N_` so Babel can extract them; the Swedish
catalogues in `bot/locale/sv/` translate them. Parameters fill `{name}` placeholders.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def listing(items: Iterable[Message | str], separator: str = ", ") -> Message:
    """Several texts as one, each in the reader's language (e.g. the words a person may type).

    Its template is only placeholders, which no catalogue translates: the items themselves are.
    """
    params = {f"item{i}": item for i, item in enumerate(items)}
    return Message(separator.join(f"{{{name}}}" for name in params), params)


class Refused(Exception):
    """A use case said no: the actor is told why, and nothing was changed.

    `usage` names the command whose usage should be shown alongside, when the input was at fault.
    """

    def __init__(self, template: str, usage: str | None = None, **params: Any) -> None:
        super().__init__(template)
        self.message = Message(template, params)
        self.usage = usage
