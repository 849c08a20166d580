"""Buttons: Check in / Snooze / Did not meet on a due prompt (and Check in on App Home), and Yes / No
on the question whether a mentee's guardians were told about unexcused absence (7 kap. 17 §).

They call the same use cases as the commands `checkin`, `snooze CODE`, `notmet CODE` and
`guardians ID yes|no`. Each press is keyed by the message and button, so a double click (or a
second press on an old prompt) snoozes or logs once.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.blocks import (
    ACTION_CHECKIN,
    ACTION_GUARDIANS_NOT_TOLD,
    ACTION_GUARDIANS_TOLD,
    ACTION_NOTMET,
    ACTION_SNOOZE,
)
from bot.slack.buttons import Press, on_press, on_queued_press
from bot.slack.deps import Deps, off_loop
from bot.slack.views import open_checkin_modal
from handlers.checkins import start_check_in
from handlers.guardians import record_guardians_told
from handlers.prompts import did_not_meet, snooze
from handlers.results import OpenCheckIn

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
    @on_press(app, deps, ACTION_CHECKIN)
    async def check_in_pressed(press: Press) -> None:
        caller = press.caller
        code = _code(press.action)
        outcome = await off_loop(deps.core.run, caller, partial(start_check_in, code=code))
        form = next((r for r in outcome.reply if isinstance(r, OpenCheckIn)), None)
        if form is None:
            await press.answer(outcome.language, outcome.reply, outcome.destination)
            return
        ts = _message_ts(press.body)
        # From a prompt: a scheduled check-in, saved once per prompt however many modals are opened
        # (the submission's key is made on the server from who submits and this prompt's ts).
        kind, prompt = ("scheduled", ts) if ts else ("adhoc", "")
        await open_checkin_modal(
            press.client,
            press.body.get("trigger_id"),
            outcome.language,
            form,
            kind,
            prompt,
            outcome.destination,
        )

    for action_id, use_case in ((ACTION_SNOOZE, snooze), (ACTION_NOTMET, did_not_meet)):
        _register_prompt_button(app, deps, action_id, use_case)
    for action_id, told in ((ACTION_GUARDIANS_TOLD, True), (ACTION_GUARDIANS_NOT_TOLD, False)):
        _register_guardians_button(app, deps, action_id, told)


def _register_guardians_button(app: AsyncApp, deps: Deps, action_id: str, told: bool) -> None:
    def question_of(press: Press) -> int:
        value = _code(press.action)
        # A number the question carries; anything else reads as question 0, which no school has.
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0

    def key_of(press: Press) -> str:
        caller = press.caller
        ts = _message_ts(press.body) or str(press.body.get("trigger_id") or "")
        block = str(press.action.get("block_id"))[:CODE_MAX]
        return f"slack:{action_id}:{caller.workspace_id}:{caller.user_id}:{ts}:{question_of(press)}:{block}"

    @on_queued_press(app, deps, action_id, key_of)
    async def pressed(press: Press, key: str) -> None:
        use_case = partial(record_guardians_told, question_id=question_of(press), told=told)
        outcome = await off_loop(deps.core.run, press.caller, use_case, key=key)
        await press.answer(outcome.language, outcome.reply, outcome.destination)


def _register_prompt_button(app: AsyncApp, deps: Deps, action_id: str, use_case: Any) -> None:
    def key_of(press: Press) -> str:
        caller, code = press.caller, _code(press.action)
        ts = _message_ts(press.body) or str(press.body.get("trigger_id") or "")
        # The block names the school the press acts in (bot/slack/stamps.py).
        block = str(press.action.get("block_id"))[:CODE_MAX]
        return f"slack:{action_id}:{caller.workspace_id}:{caller.user_id}:{ts}:{code}:{block}"

    @on_queued_press(app, deps, action_id, key_of)
    async def pressed(press: Press, key: str) -> None:
        code = _code(press.action)
        outcome = await off_loop(deps.core.run, press.caller, partial(use_case, code=code), key=key)
        await press.answer(outcome.language, outcome.reply, outcome.destination)
