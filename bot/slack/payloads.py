"""The shape of what Slack sends, checked before Bolt reads it.

Bolt assumes Slack's payloads are well formed and fails deep inside on one that is not (a list
where a dict belongs, a number for an id). Anything that reaches us with a valid signature but the
wrong shape is answered politely here instead, and logged as one line, not a stack. JSON nested
deeper than any Slack payload is of the wrong shape too (`bot.inbound.loads`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.inbound import loads


class _Part(BaseModel):
    # Slack adds fields over time: only what Bolt and our listeners read is checked.
    model_config = ConfigDict(extra="allow", strict=True)


class _Team(_Part):
    id: str | None = None


class _User(_Part):
    id: str
    username: str | None = None
    name: str | None = None
    team_id: str | None = None


class _Action(_Part):
    action_id: str
    block_id: str | None = None
    type: str | None = None


class _View(_Part):
    id: str | None = None
    callback_id: str | None = None
    private_metadata: str | None = None
    state: Any = None  # read by our own form code, which answers a wrong shape on the form


class _Interaction(_Part):
    type: str
    team: _Team | None = None
    user: _User | None = None
    enterprise: dict[str, Any] | None = None
    is_enterprise_install: bool | None = None
    authorizations: list[dict[str, Any]] | None = None
    actions: list[_Action] | None = Field(default=None, min_length=1)
    view: _View | None = None
    container: dict[str, Any] | None = None
    channel: dict[str, Any] | None = None
    trigger_id: str | None = None
    response_url: str | None = None

    @model_validator(mode="after")
    def _what_the_type_needs(self) -> _Interaction:
        # Bolt reads actions[0] of a button press and the view of a modal event unconditionally.
        if self.type in ("block_actions", "interactive_message") and not self.actions:
            raise ValueError("a button press without actions")
        if self.type in ("view_submission", "view_closed") and self.view is None:
            raise ValueError("a modal event without its view")
        return self


class _EventCallback(_Part):
    type: str
    team_id: str | None = None
    enterprise_id: str | None = None
    is_enterprise_install: bool | None = None
    authorizations: list[dict[str, Any]] | None = None
    event: dict[str, Any] | None = None


def well_formed(body: bytes, content_type: str) -> bool:
    """True when the body has the shape Slack's own requests have (commands, interactions, events)."""
    try:
        if content_type.startswith("application/json"):
            _EventCallback.model_validate(loads(body))
            return True
        form = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False)
        if "payload" in form:
            _Interaction.model_validate(loads(form["payload"][0]))
        return True
    except (ValueError, ValidationError, UnicodeDecodeError):
        return False
