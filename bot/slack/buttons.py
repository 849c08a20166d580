"""What every button listener does before and after its own work: ack at once, find who pressed,
and answer politely (logging where it failed) if the work fails.

A listener registers with `@on_press(app, deps, ACTION_ID)` (work done before the ack: it opens a
modal, whose trigger_id lives three seconds) or `@on_queued_press(app, deps, ACTION_ID, key_of)`
(a change: queued as a job under the press's key, acked, and done by the worker) and gets a
`Press`; it only parses, calls the domain and answers, as the other listeners do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.schools import in_school
from bot.slack.answer import answer, answer_message, answer_replies
from bot.slack.deps import SOMETHING_WENT_WRONG, Deps, caller_of, log_failure
from bot.slack.jobs import busy, kept, queue, register_work
from bot.slack.stamps import school_of_block
from handlers.actors import Caller
from handlers.jobs import Accepted
from handlers.results import Destination, Reply, TypedHint
from models.messages import msg


@dataclass(frozen=True)
class Press:
    """A button pressed; `caller` acts in the school the button's message came from, if it says."""

    body: dict[str, Any]
    action: dict[str, Any]
    caller: Caller
    client: AsyncWebClient

    async def answer(
        self, language: str, replies: Iterable[Reply], destination: Destination | None = None
    ) -> None:
        """Privately, to the person who pressed; without what to type, as the message has the buttons."""
        shown = [reply for reply in replies if not isinstance(reply, TypedHint)]
        await answer_replies(self.body, self.client, self.caller.user_id, language, shown, destination)


PressWork = Callable[[Press], Awaitable[None]]
QueuedWork = Callable[[Press, str], Awaitable[None]]


def _pressed_by(context: Any, body: dict[str, Any], action: dict[str, Any]) -> Caller | None:
    caller = caller_of(context, body)
    # The school stamped on the button's block (bot/slack/stamps.py); None: an older message.
    return None if caller is None else in_school(caller, school_of_block(action.get("block_id")))


async def _guarded(deps: Deps, action_id: str, press: Press, work: Awaitable[None]) -> None:
    try:
        await work
    except Exception as exc:
        log_failure(action_id, exc)
        await answer_message(
            press.body, press.client, press.caller.user_id, deps.defaults.language, msg(SOMETHING_WENT_WRONG)
        )


def on_press(app: AsyncApp, deps: Deps, action_id: str) -> Callable[[PressWork], PressWork]:
    def register(work: PressWork) -> PressWork:
        @app.action(action_id)
        async def pressed(
            ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: Any, client: AsyncWebClient
        ) -> None:
            await ack()
            caller = _pressed_by(context, body, action)
            if caller is not None:
                press = Press(body, action, caller, client)
                await _guarded(deps, action_id, press, work(press))

        return work

    return register


def on_queued_press(
    app: AsyncApp, deps: Deps, action_id: str, key_of: Callable[[Press], str]
) -> Callable[[QueuedWork], QueuedWork]:
    kind = f"press:{action_id}"

    def register(work: QueuedWork) -> QueuedWork:
        @app.action(action_id)
        async def pressed(
            ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: Any, client: AsyncWebClient
        ) -> None:
            await ack()  # Slack shows nothing for a button's ack: the answer comes from the work
            caller = _pressed_by(context, body, action)
            if caller is None:
                return
            press = Press(kept(body), action, caller, client)
            accepted = await queue(deps, key_of(press), kind, caller, {"body": press.body, "action": action})
            if accepted is not Accepted.QUEUED:  # too busy, or a double click while the first waits
                await answer(press.body, client, caller.user_id, await busy(deps, caller, accepted))

        async def queued(client: AsyncWebClient, caller: Caller, payload: dict[str, Any], key: str) -> None:
            press = Press(payload["body"], payload["action"], caller, client)
            await _guarded(deps, action_id, press, work(press, key))

        register_work(deps, kind, queued)
        return work

    return register
