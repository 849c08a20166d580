"""What every listener needs: the database and school defaults, the Caller behind a Slack payload,
and a way to run the synchronous use cases without blocking the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from handlers.actors import Caller, SchoolDefaults
from handlers.dispatch import Core
from models.db import Database
from models.messages import N_

log = logging.getLogger("mentorbot.slack")

PLATFORM = "slack"
T = TypeVar("T")


@dataclass(frozen=True)
class Deps:
    """The one way into the core (`Core.run`), which also delivers what each action decided to send."""

    core: Core

    @property
    def db(self) -> Database:
        return self.core.db

    @property
    def defaults(self) -> SchoolDefaults:
        return self.core.defaults


def caller_of(context: Mapping[str, Any], body: Mapping[str, Any]) -> Caller | None:
    """The acting person; None when Slack's payload does not say who or where (then we answer nothing)."""
    workspace = context.get("team_id") or context.get("enterprise_id")
    user_id = context.get("user_id")
    if not isinstance(workspace, str) or not isinstance(user_id, str) or not workspace or not user_id:
        return None
    name = body.get("user_name")  # slash commands
    user = body.get("user")
    if not name and isinstance(user, Mapping):  # interactivity
        name = user.get("name") or user.get("username")
    return Caller(PLATFORM, workspace, user_id, str(name or "")[:80])


async def off_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """The use cases are plain synchronous SQLAlchemy: run them in a worker thread."""
    return await asyncio.to_thread(function, *args, **kwargs)


UNREADABLE = N_("Sorry, I could not read that request. Please try again.")
SOMETHING_WENT_WRONG = N_("Sorry, something went wrong on my side. Please try again in a moment.")


def log_failure(where: str, exc: BaseException) -> None:
    """Log where it failed and the code path, never the exception's message: database errors quote
    their parameters, which can be a note or a student's name."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("%s failed: %s\n%s", where, type(exc).__name__, frames)
