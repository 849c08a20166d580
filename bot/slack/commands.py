"""The /mentor slash command: the shared command language, answered privately (ephemeral).

`/mentor import` is the one Slack-only word: it opens the roster import modal, because pasting a
class list fits a multi-line field better than a command line.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answer import answer_message, answer_replies
from bot.slack.deps import SOMETHING_WENT_WRONG, Deps, caller_of, log_failure, off_loop
from bot.slack.report import upload_chart
from bot.slack.views import open_checkin_modal, open_import_modal
from handlers.results import Help, MonthReport, OpenCheckIn
from models.messages import N_, msg

COMMAND = "/mentor"
IMPORT_WORDS = {"import", "importera"}
# Slack sends at most 4000 characters; anything longer is not a command anyone typed.
TEXT_MAX = 4000
IMPORT_HELP = N_("In Slack also: /mentor import opens a form to import many students at once (coordinators).")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command(COMMAND)
    async def mentor_command(
        ack: AsyncAck, body: dict[str, Any], context: Any, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()  # at once: the use case runs after Slack has its answer
        caller = caller_of(context, body)
        if caller is None:
            return
        raw = body.get("text")
        text = raw[:TEXT_MAX] if isinstance(raw, str) else ""
        try:
            if text.strip().lower() in IMPORT_WORDS:
                await open_import_modal(deps, client, body, respond, caller)
                return
            outcome = await off_loop(deps.core.command, caller, text)
            shown = [r for r in outcome.reply if not isinstance(r, OpenCheckIn)]
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
            await answer_replies(
                body, respond, client, caller.user_id, outcome.language, shown, outcome.destination
            )
        except Exception as exc:
            log_failure("/mentor", exc)
            await answer_message(
                body, respond, client, caller.user_id, deps.defaults.language, msg(SOMETHING_WENT_WRONG)
            )
