"""The Bolt app: one workspace (bot token) or many (OAuth), listeners registered module by module.

`process_before_response` is on: Bolt answers Slack when the listener returns, with what it acked,
instead of polling every 10 ms for an ack and running the rest after. So a reading command is
answered in the HTTP response itself, and a listener that changes something only stores it as a
job and returns (`bot/slack/jobs.py`); a worker does the change after the ack.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.i18n import gettext
from bot.slack import actions, alerts, commands, home, views
from bot.slack.deps import PLATFORM, UNREADABLE, Deps, log_failure, off_loop
from bot.slack.jobs import runner
from bot.slack.oauth import bot_token_finder, oauth_settings
from handlers.actors import Caller
from handlers.results import Destination

log = logging.getLogger("mentorbot.slack")


# Bolt's own logger, left at the level `bot.logs` gives "slack_bolt": Bolt would otherwise set it to
# the root's level, and at DEBUG it prints every answer it sends, which now holds what was read.
BOLT_LOG = logging.getLogger("slack_bolt.mentorbot")


def build_app(settings: Settings, deps: Deps, socket_mode: bool = False) -> AsyncApp:
    settings.check_slack(socket_mode=socket_mode)
    client = AsyncWebClient(token=settings.slack_bot_token or None, base_url=settings.slack_api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    if settings.slack_oauth and not socket_mode:
        app = AsyncApp(
            signing_secret=settings.slack_signing_secret,
            client=client,
            process_before_response=True,
            name=BOLT_LOG.name,
            logger=BOLT_LOG,
            oauth_settings=oauth_settings(settings.slack_client_id, settings.slack_client_secret, deps),
        )
    else:
        app = AsyncApp(
            signing_secret=settings.slack_signing_secret or None,
            client=client,
            process_before_response=True,
            name=BOLT_LOG.name,
            logger=BOLT_LOG,
            # Socket Mode requests arrive over an authenticated WebSocket, not signed HTTP.
            request_verification_enabled=not socket_mode,
        )
    app.middleware(_skip_retries)
    app.error(_error_handler(deps.defaults.language))
    for module in (commands, views, actions, alerts, home):
        module.register(app, deps)
    deps.client_for = _client_for(settings, deps, client)
    assert deps.worker is not None
    deps.worker.serve(PLATFORM, runner(deps))
    return app


def share_session(app: AsyncApp, deps: Deps) -> None:
    """In the running event loop: every Web API call and answer goes over the process's one session."""
    app.client.session = deps.http.get()


def _client_for(
    settings: Settings, deps: Deps, client: AsyncWebClient
) -> Callable[[Caller], Awaitable[AsyncWebClient]]:
    """A client with the bot token of the caller's workspace, for the worker (Bolt finds it for requests)."""
    find = bot_token_finder(settings.slack_client_id, deps.db) if settings.slack_oauth else None

    async def client_for(caller: Caller) -> AsyncWebClient:
        token = client.token
        if find is not None:
            where = Destination(PLATFORM, caller.workspace_id, caller.enterprise_id)
            token = await off_loop(find, where)
        shared = AsyncWebClient(token=token, base_url=client.base_url, session=deps.http.get())
        shared.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
        return shared

    return client_for


async def _skip_retries(
    req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[Any]]
) -> BoltResponse | None:
    """Slack re-sends an event it thinks we missed; we ack before working, so a retry is a repeat.

    The only event we take (app_home_opened) is redrawn on the next visit anyway, and commands and
    button presses are deduplicated by key in the database, so dropping retries loses nothing.
    """
    if req.headers.get("x-slack-retry-num"):
        return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
    return await next()


def _error_handler(language: str) -> Callable[..., Awaitable[None]]:
    async def on_error(error: Exception, response: BoltResponse | None = None) -> None:
        """A request Bolt could not even route (a payload of the wrong shape): log where, answer politely.

        Bolt would answer 500, and Slack would show the user a cryptic failure; a 200 with a polite
        ephemeral text is what the user should see. Errors after the ack never reach Slack anyway.
        """
        log_failure("slack request", error)
        if response is not None and response.status >= 500:
            response.status = 200
            response.body = json.dumps({"response_type": "ephemeral", "text": gettext(language, UNREADABLE)})
            response.headers["content-type"] = ["application/json;charset=utf-8"]

    return on_error
