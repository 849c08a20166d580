"""The /mentor slash command: the shared command language, answered privately (ephemeral).

A reading command (`mentees`, `students`, `help` …, `handlers.commands.READING`) and a line refused
as typed are answered in the ack itself: Bolt runs with `process_before_response`, so the answer
goes back in the HTTP response, with no response_url round trip. `checkin CODE` opens its form
before the ack (Slack's trigger_id lives three seconds). A command that changes something is acked
at once and done after (`work`), answered through the response_url.

`/mentor import` is the one Slack-only word: it opens the roster import modal, because pasting a
class list fits a multi-line field better than a command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answer import answer, answer_message
from bot.slack.blocks import Content, message_content, reply_blocks
from bot.slack.deps import PLATFORM, SOMETHING_WENT_WRONG, Deps, caller_of, log_failure, off_loop
from bot.slack.jobs import busy, kept, queue, register_work
from bot.slack.report import upload_chart
from bot.slack.stamps import stamp
from bot.slack.views import open_checkin_modal, open_import_modal
from handlers.actors import Caller
from handlers.commands import reads_only
from handlers.jobs import Accepted, new_key
from handlers.results import Help, MonthReport, OpenCheckIn, Outcome, Reply
from models.messages import N_, msg

COMMAND = "/mentor"
IMPORT_WORDS = {"import", "importera"}
# Slack sends at most 4000 characters; anything longer is not a command anyone typed.
TEXT_MAX = 4000
IMPORT_HELP = N_("In Slack also: /mentor import opens a form to import many students at once (coordinators).")


def command_text(body: Mapping[str, Any]) -> str:
    raw = body.get("text")
    return raw[:TEXT_MAX] if isinstance(raw, str) else ""


async def _ack_with(ack: AsyncAck, content: Content) -> None:
    if content.text or content.blocks:
        await ack(text=content.text, blocks=content.blocks, response_type="ephemeral")
    else:
        await ack()


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command(COMMAND)
    async def mentor_command(
        ack: AsyncAck, body: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        caller = caller_of(context, body)
        if caller is None:
            await ack()
            return
        text = command_text(body)
        try:
            if text.strip().lower() in IMPORT_WORDS:
                await open_import_modal(deps, client, body, caller)
                await ack()
                return
            if reads_only(text, deps.defaults):
                outcome = await off_loop(deps.core.command, caller, text)
                await _ack_with(ack, await _shown(client, body, caller, outcome))
                return
        except Exception as exc:
            log_failure("/mentor", exc)
            await _ack_with(ack, message_content(deps.defaults.language, msg(SOMETHING_WENT_WRONG)))
            return
        # A change: stored as a job and acked with nothing to show; the worker answers when done.
        accepted = await queue(
            deps, new_key(PLATFORM), COMMAND_JOB, caller, {"body": kept(body), "text": text}
        )
        if accepted is Accepted.BUSY:
            await _ack_with(ack, await busy(deps, caller))
            return
        await ack()

    async def work(client: AsyncWebClient, caller: Caller, payload: dict[str, Any], key: str) -> None:
        """A command that changes something, after the ack; answered through the response_url."""
        where = payload["body"]
        try:
            outcome = await off_loop(deps.core.command, caller, payload["text"], key=key)
            await answer(where, client, caller.user_id, await _shown(client, where, caller, outcome))
        except Exception as exc:
            log_failure("/mentor", exc)
            await answer_message(
                where, client, caller.user_id, deps.defaults.language, msg(SOMETHING_WENT_WRONG)
            )

    register_work(deps, COMMAND_JOB, work)


COMMAND_JOB = "command"


async def _shown(
    client: AsyncWebClient, body: Mapping[str, Any], caller: Caller, outcome: Outcome
) -> Content:
    """The outcome as the person reads it; a check-in form is opened, a month's chart uploaded."""
    shown: list[Reply] = [r for r in outcome.reply if not isinstance(r, OpenCheckIn)]
    for reply in outcome.reply:
        if isinstance(reply, OpenCheckIn):
            await open_checkin_modal(
                client,
                body.get("trigger_id"),
                outcome.language,
                reply,
                destination=outcome.destination,
            )
        elif isinstance(reply, MonthReport):
            shown.append(await upload_chart(client, caller.user_id, outcome.language, reply))
    if any(isinstance(r, Help) and r.command is None for r in shown):
        shown.append(msg(IMPORT_HELP))
    return stamp(reply_blocks(outcome.language, shown), outcome.destination)
