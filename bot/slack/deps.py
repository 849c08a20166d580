"""What every listener needs: the database and school defaults, the Caller behind a Slack payload,
a way to run the synchronous use cases without blocking the event loop, and the job queue a change
goes through (`bot/slack/jobs.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.sessions import SharedSession
from bot.worker import Queue, Worker
from handlers.actors import Caller, SchoolDefaults
from handlers.dispatch import Core
from handlers.failures import SOMETHING_WENT_WRONG as SOMETHING_WENT_WRONG  # as every adapter answers
from handlers.failures import log_failure as log_failure  # the Slack listeners log with it
from models.db import Database
from models.messages import N_

log = logging.getLogger("mentorbot.slack")

PLATFORM = "slack"
T = TypeVar("T")


# Work queued by a listener and done by the worker: (client, caller, the job's payload, its key).
SlackWork = Callable[[AsyncWebClient, Caller, dict[str, Any], str], Awaitable[None]]
# More jobs than this waiting: a new change is refused politely ("busy, try again in a minute").
QUEUE_LIMIT = 500


@dataclass
class Deps:
    """The one way into the core (`Core.run`), which also delivers what each action decided to send;
    the queue of work acked and done after (`bot/worker.py`), and what that work needs: the work
    each kind of job does (filled in as listeners register), a client for the caller's workspace
    (set by `build_app`) and the process's HTTP session."""

    core: Core
    queue_limit: int = QUEUE_LIMIT
    worker: Worker | None = None
    http: SharedSession = field(default_factory=SharedSession)
    work: dict[str, SlackWork] = field(default_factory=dict)
    client_for: Callable[[Caller], Awaitable[AsyncWebClient]] | None = None

    def __post_init__(self) -> None:
        if self.worker is None:
            self.worker = Worker(self.core.db, self.core.clock)
        self.queue = Queue(self.worker, self.queue_limit)

    @property
    def db(self) -> Database:
        return self.core.db

    @property
    def defaults(self) -> SchoolDefaults:
        return self.core.defaults


def caller_of(context: Mapping[str, Any], body: Mapping[str, Any]) -> Caller | None:
    """The acting person; None when Slack's payload does not say who or where (then we answer nothing)."""
    enterprise = context.get("enterprise_id")
    enterprise = enterprise if isinstance(enterprise, str) and enterprise else None
    workspace = workspace_of(context, body, enterprise)
    user_id = context.get("user_id")
    if workspace is None or not isinstance(user_id, str) or not user_id:
        return None
    name = body.get("user_name")  # slash commands
    user = body.get("user")
    if not name and isinstance(user, Mapping):  # interactivity
        name = user.get("name") or user.get("username")
    return Caller(PLATFORM, workspace, user_id, str(name or "")[:80], enterprise)


def workspace_of(context: Mapping[str, Any], body: Mapping[str, Any], enterprise: str | None) -> str | None:
    """The workspace (team id) a request comes from: the school, also in an Enterprise Grid org.

    Never the org's id: a school is one workspace, and the org holds many. Requests to an org-wide
    install name the org, not the workspace, in their `authorizations` (so Bolt's context may have
    no team) and may carry `"team": null`; the payload still says where the person acted.
    """

    def inside(name: str) -> Any:
        value = body.get(name)
        return value if isinstance(value, Mapping) else {}

    candidates = (
        context.get("team_id"),
        body.get("team_id"),
        inside("team").get("id"),
        inside("user").get("team_id"),
        inside("view").get("team_id"),
    )
    for candidate in candidates:
        if isinstance(candidate, str) and candidate and candidate != enterprise:
            return candidate
    return None


async def off_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """The use cases are plain synchronous SQLAlchemy: run them in a worker thread."""
    return await asyncio.to_thread(function, *args, **kwargs)


UNREADABLE = N_("Sorry, I could not read that request. Please try again.")
