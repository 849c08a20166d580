"""What every listener needs: the database and school defaults, the Caller behind a Slack payload,
and a way to run the synchronous use cases without blocking the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from handlers.actors import Caller, SchoolDefaults
from handlers.delivery import Notifier
from handlers.failures import SOMETHING_WENT_WRONG as SOMETHING_WENT_WRONG  # as every adapter answers
from handlers.failures import log_failure
from models.base import utcnow
from models.db import Database
from models.messages import N_
from schedules.outbox import deliver_pending

log = logging.getLogger("mentorbot.slack")

PLATFORM = "slack"
T = TypeVar("T")


@dataclass(frozen=True)
class Deps:
    db: Database
    defaults: SchoolDefaults
    notifier: Notifier


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


async def off_loop(function: Callable[..., T], *args: Any) -> T:
    """The use cases are plain synchronous SQLAlchemy: run them in a worker thread."""
    return await asyncio.to_thread(function, *args)


async def deliver_waiting(deps: Deps) -> None:
    """Deliver what the use case just put in the outbox (the clock would, a little later)."""
    try:
        await off_loop(deliver_pending, deps.db, deps.notifier, utcnow())
    except Exception as exc:  # still in the outbox: the next tick tries again
        log_failure("delivery", exc, log)


UNREADABLE = N_("Sorry, I could not read that request. Please try again.")

