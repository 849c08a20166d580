"""App Home: the caseload at a glance, published with views.publish when the tab is opened
(and again after a check-in, so the sparkline is never stale).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import home_view, reply_blocks
from bot.slack.deps import Deps, caller_of, log, log_failure, off_loop
from bot.slack.stamps import stamp_view
from handlers.actors import Caller
from handlers.home import HomeSummary, home


async def publish_home(deps: Deps, client: AsyncWebClient, caller: Caller) -> None:
    outcome = await off_loop(deps.core.run, caller, home)
    summary = next((r for r in outcome.reply if isinstance(r, HomeSummary)), None)
    try:
        if summary is None:
            # No school to show (someone with no role in a many-school workspace): say why instead.
            view: View | dict[str, Any] = {
                "type": "home",
                "blocks": reply_blocks(outcome.language, outcome.reply).blocks,
            }
        else:
            # Its Check in buttons carry the school; its name is on top where the person has several.
            view = stamp_view(home_view(outcome.language, summary), outcome.destination)
        await client.views_publish(user_id=caller.user_id, view=view)
    except (SlackApiError, SlackClientError) as exc:
        log.warning("App Home not published: %s", type(exc).__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any], body: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        if event.get("tab") not in (None, "home"):
            return  # the Messages tab needs nothing from us
        caller = caller_of(context, body)
        if caller is None:
            return
        try:
            await publish_home(deps, client, caller)
        except Exception as exc:
            log_failure("App Home", exc)
