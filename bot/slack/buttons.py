"""What every button listener does before and after its own work: ack at once, find who pressed,
and answer politely (logging where it failed) if the work fails.

A listener registers with `@on_press(app, deps, ACTION_ID)` and gets a `Press`; it only parses,
calls the domain and answers, as the other listeners do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.schools import in_school
from bot.slack.answer import answer_message, answer_replies
from bot.slack.deps import SOMETHING_WENT_WRONG, Deps, caller_of, log_failure
from bot.slack.stamps import school_of_block
from handlers.actors import Caller
from handlers.results import Destination, Reply, TypedHint
from models.messages import msg


@dataclass(frozen=True)
class Press:
    """A button pressed; `caller` acts in the school the button's message came from, if it says."""

    body: dict[str, Any]
    action: dict[str, Any]
    caller: Caller
    client: AsyncWebClient
    respond: AsyncRespond

    async def answer(
        self, language: str, replies: Iterable[Reply], destination: Destination | None = None
    ) -> None:
        """Privately, to the person who pressed; without what to type, as the message has the buttons."""
        shown = [reply for reply in replies if not isinstance(reply, TypedHint)]
        await answer_replies(
            self.body, self.respond, self.client, self.caller.user_id, language, shown, destination
        )


PressWork = Callable[[Press], Awaitable[None]]


def on_press(app: AsyncApp, deps: Deps, action_id: str) -> Callable[[PressWork], PressWork]:
    def register(work: PressWork) -> PressWork:
        @app.action(action_id)
        async def pressed(
            ack: AsyncAck,
            body: dict[str, Any],
            action: dict[str, Any],
            context: Any,
            client: AsyncWebClient,
            respond: AsyncRespond,
        ) -> None:
            await ack()
            caller = caller_of(context, body)
            if caller is None:
                return
            # The school stamped on the button's block (bot/slack/stamps.py); None: an older message.
            caller = in_school(caller, school_of_block(action.get("block_id")))
            try:
                await work(Press(body, action, caller, client, respond))
            except Exception as exc:
                log_failure(action_id, exc)
                await answer_message(
                    body, respond, client, caller.user_id, deps.defaults.language, msg(SOMETHING_WENT_WRONG)
                )

        return work

    return register
