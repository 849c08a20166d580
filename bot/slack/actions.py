"""Buttons: Check in / Snooze one day / Did not meet on a due prompt (and Check in on App Home).

They call the same use cases as the commands `checkin`, `snooze CODE` and `notmet CODE`. Each
press is keyed by the message and button, so a double click (or a second press on an old prompt)
snoozes or logs once.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answer import answer_message, answer_replies
from bot.slack.blocks import ACTION_CHECKIN, ACTION_NOTMET, ACTION_SNOOZE
from bot.slack.deps import SOMETHING_WENT_WRONG, Deps, caller_of, deliver_waiting, log_failure, off_loop
from bot.slack.views import open_checkin_modal
from handlers.checkins import start_check_in
from handlers.dispatch import perform
from handlers.idempotency import run_once
from handlers.prompts import did_not_meet, snooze
from handlers.results import OpenCheckIn
from models.messages import msg

CODE_MAX = 40


def _code(action: dict[str, Any]) -> str:
    value = action.get("value")
    return value[:CODE_MAX] if isinstance(value, str) else ""


def _message_ts(body: dict[str, Any]) -> str | None:
    """The prompt message the button sits on; None when pressed on App Home."""
    container = body.get("container")
    if isinstance(container, dict) and container.get("type") == "message":
        ts = container.get("message_ts")
        return ts if isinstance(ts, str) else None
    return None


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(ACTION_CHECKIN)
    async def check_in_pressed(
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
        try:
            code = _code(action)
            outcome = await off_loop(
                perform, deps.db, caller, deps.defaults, partial(start_check_in, code=code)
            )
            form = next((r for r in outcome.reply if isinstance(r, OpenCheckIn)), None)
            if form is None:
                await answer_replies(body, respond, client, caller.user_id, outcome.language, outcome.reply)
                return
            ts = _message_ts(body)
            # From a prompt: a scheduled check-in, saved once per prompt however many modals are opened.
            kind, key = (
                ("scheduled", f"slack:prompt:{caller.workspace_id}:{ts}:{form.student_code}")
                if ts
                else ("adhoc", "")
            )
            await open_checkin_modal(
                client,
                body.get("trigger_id"),
                outcome.language,
                form.student_code,
                form.student_label,
                kind,
                key,
            )
        except Exception as exc:
            log_failure("check-in button", exc)
            await answer_message(
                body, respond, client, caller.user_id, deps.defaults.language, msg(SOMETHING_WENT_WRONG)
            )

    for action_id, use_case in ((ACTION_SNOOZE, snooze), (ACTION_NOTMET, did_not_meet)):
        _register_prompt_button(app, deps, action_id, use_case)


def _register_prompt_button(app: AsyncApp, deps: Deps, action_id: str, use_case: Any) -> None:
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
        try:
            code = _code(action)
            ts = _message_ts(body) or str(body.get("trigger_id") or "")
            key = f"slack:{action_id}:{caller.workspace_id}:{caller.user_id}:{ts}:{code}"
            outcome = await off_loop(
                run_once, deps.db, caller, deps.defaults, key, partial(use_case, code=code)
            )
            await answer_replies(body, respond, client, caller.user_id, outcome.language, outcome.reply)
            await deliver_waiting(deps)
        except Exception as exc:
            log_failure(action_id, exc)
            await answer_message(
                body, respond, client, caller.user_id, deps.defaults.language, msg(SOMETHING_WENT_WRONG)
            )
