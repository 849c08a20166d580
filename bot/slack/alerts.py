"""The buttons on a case's card in the EHT channel: Acknowledge, Take ownership, Resolve… and the
investigation Yes/No.

They call the same use cases as `alert ack|own|resolve|investigation` (handlers/alerts.py), so
only EHT members can act and every step is audited there. The presser gets a private answer in
their language; the channel message changes through the use case's own notification, which the
outbox delivers as chat.update of the card. Each press is keyed by presser, message
and button, so a double click (or Slack delivering a press twice) acts once.

Resolve… first checks that the presser may resolve the case (`before_resolving`), then opens a
small modal asking what was done and an optional follow-up date; the submission resolves it.
Plan… does the same with `before_planning` and a modal asking for the plan's kind, review date,
people responsible and goal; the submission records the plan (`handlers/plans.py`). The goal is
never logged: a failure logs only its kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import translate
from bot.schools import in_school, school_id, school_id_in_text
from bot.slack.answer import answer_message, answer_replies
from bot.slack.blocks import (
    ACTION_ALERT_ACK,
    ACTION_ALERT_INVESTIGATION_NO,
    ACTION_ALERT_INVESTIGATION_YES,
    ACTION_ALERT_OWN,
    ACTION_ALERT_PLAN,
    ACTION_ALERT_RESOLVE,
    FOLLOW_UP_FIELD,
    OUTCOME_FIELD,
    PLAN_CALLBACK,
    PLAN_KIND_FIELD,
    RESOLVE_CALLBACK,
    REVIEW_FIELD,
    alert_metadata,
    plan_answers,
    plan_modal,
    read_metadata,
    resolve_answers,
    resolve_modal,
)
from bot.slack.buttons import Press, on_press, on_queued_press
from bot.slack.deps import SOMETHING_WENT_WRONG, Deps, caller_of, log, log_failure, off_loop
from bot.slack.jobs import queue_form, register_work
from bot.slack.stamps import stamp_view
from bot.slack.views import LANGUAGES
from handlers.actors import Caller
from handlers.alerts import acknowledge, before_resolving, record_investigation, resolve, take_ownership
from handlers.early_warning import OUTCOME_WORDS
from handlers.plans import before_planning, record_plan
from handlers.results import Outcome
from models import Member, PlanKind
from models.base import utcnow
from models.messages import N_, Message, Refused, msg
from models.plan import KIND_WORDS

# A case number as our buttons carry it; anything else (and ids beyond a 32-bit integer) is not ours.
ALERT_ID = re.compile(r"[0-9]{1,9}")
# Slack's ids are short; a longer value in a payload is not from Slack and must not bloat a key.
ID_MAX = 40
BUTTON_UNREADABLE = N_("I could not read that button. Type /mentor alerts to see the open cases.")
CHOOSE_OUTCOME = N_("Choose what was done.")
CHOOSE_DATE = N_("Choose a date with the date picker.")
CHOOSE_PLAN = N_("Choose what the plan does.")
PAST_FOLLOW_UP = N_("The follow-up date cannot be in the past.")

AlertStep = Callable[..., Outcome]


def case_id_of(value: object) -> int | None:
    return int(value) if isinstance(value, str) and ALERT_ID.fullmatch(value) else None


def _message_ts(body: Mapping[str, Any]) -> str:
    container = body.get("container")
    ts = container.get("message_ts") if isinstance(container, Mapping) else None
    return ts[:ID_MAX] if isinstance(ts, str) else str(body.get("trigger_id") or "")[:ID_MAX]


def _channel_of(body: Mapping[str, Any]) -> str:
    for holder, name in ((body.get("channel"), "id"), (body.get("container"), "channel_id")):
        value = holder.get(name) if isinstance(holder, Mapping) else None
        if isinstance(value, str) and value:
            return value[:ID_MAX]
    return ""


def _refuse(message: str) -> Callable[[Any, Member, Any], Outcome]:
    """A refusal through the core, so it is said in the presser's own language."""

    def refuse(_session: Any, _actor: Member, _now: Any) -> Outcome:
        raise Refused(message)

    return refuse


async def _unreadable(deps: Deps, caller: Caller, body: Mapping[str, Any], client: AsyncWebClient) -> None:
    outcome = await off_loop(deps.core.run, caller, _refuse(BUTTON_UNREADABLE))
    await answer_replies(body, client, caller.user_id, outcome.language, outcome.reply)


def register(app: AsyncApp, deps: Deps) -> None:
    steps: tuple[tuple[str, AlertStep], ...] = (
        (ACTION_ALERT_ACK, acknowledge),
        (ACTION_ALERT_OWN, take_ownership),
        (ACTION_ALERT_INVESTIGATION_YES, partial(record_investigation, started=True)),
        (ACTION_ALERT_INVESTIGATION_NO, partial(record_investigation, started=False)),
    )
    for action_id, use_case in steps:
        _register_step(app, deps, action_id, use_case)
    for form in FORMS:
        _register_form(app, deps, form)


def _register_step(app: AsyncApp, deps: Deps, action_id: str, use_case: AlertStep) -> None:
    def key_of(press: Press) -> str:
        """Presser, message and button: the block too, as it names the school the press acts in."""
        where = _message_ts(press.body)
        caller, value = press.caller, str(press.action.get("value"))[:ID_MAX]
        block = str(press.action.get("block_id"))[:ID_MAX]
        return f"slack:{action_id}:{caller.workspace_id}:{caller.user_id}:{where}:{value}:{block}"

    @on_queued_press(app, deps, action_id, key_of)
    async def pressed(press: Press, key: str) -> None:
        caller = press.caller
        case_id = case_id_of(press.action.get("value"))
        if case_id is None:
            await _unreadable(deps, caller, press.body, press.client)
            return
        # The core also delivers the use case's notice: chat.update of the alert message.
        outcome = await off_loop(deps.core.run, caller, partial(use_case, case_id=case_id), key=key)
        await press.answer(outcome.language, outcome.reply, outcome.destination)


@dataclass(frozen=True)
class _Form:
    """A card button that opens a modal first: Resolve… and Plan…."""

    action_id: str
    callback: str
    # The use case's checks alone (may this person act on this case?); its reply heads the modal.
    before: AlertStep
    modal: Callable[[str, Message, str], Any]
    # The submitted state read and checked: errors by field, or the use case's arguments.
    answers: Callable[[str, str, object], tuple[dict[str, str], dict[str, Any]]]
    use_case: AlertStep
    name: str


def _resolve_answers(language: str, timezone: str, state: object) -> tuple[dict[str, str], dict[str, Any]]:
    outcome_key, raw_date = resolve_answers(state)
    follow_up_on, errors = _check_answers(language, timezone, outcome_key, raw_date)
    return errors, {"outcome": outcome_key, "follow_up_on": follow_up_on}


def _plan_answers(language: str, _timezone: str, state: object) -> tuple[dict[str, str], dict[str, Any]]:
    """The plan form's answers; `record_plan` checks the date (after today) in the school's time zone."""
    kind, raw_date, people, goal = plan_answers(state)
    errors: dict[str, str] = {}
    if kind not in KIND_WORDS:
        errors[PLAN_KIND_FIELD] = translate(language, msg(CHOOSE_PLAN))
    try:
        review_on = date.fromisoformat(raw_date)
    except ValueError:
        errors[REVIEW_FIELD] = translate(language, msg(CHOOSE_DATE))
    if errors:
        return errors, {}
    responsible = tuple((user[:ID_MAX], "") for user in people)
    return errors, {"kind": PlanKind(kind), "review_on": review_on, "goal": goal, "responsible": responsible}


FORMS = (
    _Form(
        ACTION_ALERT_RESOLVE,
        RESOLVE_CALLBACK,
        before_resolving,
        resolve_modal,
        _resolve_answers,
        resolve,
        "resolve",
    ),
    _Form(ACTION_ALERT_PLAN, PLAN_CALLBACK, before_planning, plan_modal, _plan_answers, record_plan, "plan"),
)


def _register_form(app: AsyncApp, deps: Deps, form: _Form) -> None:
    @on_press(app, deps, form.action_id)
    async def pressed(press: Press) -> None:
        caller = press.caller
        case_id = case_id_of(press.action.get("value"))
        if case_id is None:
            await _unreadable(deps, caller, press.body, press.client)
            return
        outcome = await off_loop(deps.core.run, caller, partial(form.before, case_id=case_id))
        heading = next((r for r in outcome.reply if isinstance(r, Message)), None)
        if outcome.refused or heading is None:
            await press.answer(outcome.language, outcome.reply)
            return
        # The form remembers the case's school, where the submission acts.
        where = outcome.destination
        metadata = alert_metadata(case_id, outcome.language, _channel_of(press.body), school_id(where))
        modal = stamp_view(form.modal(outcome.language, heading, metadata), where)
        await _open_modal(press.client, press.body.get("trigger_id"), modal)

    kind = f"view:{form.callback}"

    @app.view(form.callback)
    async def submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        meta = read_metadata(view.get("private_metadata"))
        language = meta["lang"] if meta.get("lang") in LANGUAGES else deps.defaults.language
        errors, _answers = form.answers(language, deps.defaults.timezone, view.get("state"))
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        caller = caller_of(context, body)
        if caller is None:
            await ack()
            return
        # Once per form: a second Save (or Slack's retry) of the same modal acts no more.
        key = f"slack:{form.callback}:{str(view.get('id') or body.get('trigger_id'))[:ID_MAX]}"
        await queue_form(deps, ack, client, caller, key, kind, view)

    async def work(client: AsyncWebClient, caller: Caller, payload: dict[str, Any], key: str) -> None:
        view = payload["view"]
        meta = read_metadata(view.get("private_metadata"))
        language = meta["lang"] if meta.get("lang") in LANGUAGES else deps.defaults.language
        caller = in_school(caller, school_id_in_text(meta.get("school")))
        # Answered privately in the channel the button was pressed in (a DM when unknown).
        where = {"channel_id": meta["channel"]} if meta.get("channel") else {}
        try:
            _errors, answers = form.answers(language, deps.defaults.timezone, view.get("state"))
            case_id = case_id_of(meta.get("alert"))
            if case_id is None:
                await _unreadable(deps, caller, where, client)
                return
            action = partial(form.use_case, case_id=case_id, **answers)
            outcome = await off_loop(deps.core.run, caller, action, key=key)
            await answer_replies(
                where, client, caller.user_id, outcome.language, outcome.reply, outcome.destination
            )
        except Exception as exc:
            # Only the failure's kind: the answers (a plan's goal) are never logged.
            log_failure(f"alert {form.name} form", exc)
            await answer_message(where, client, caller.user_id, language, msg(SOMETHING_WENT_WRONG))

    register_work(deps, kind, work)


def _check_answers(
    language: str, timezone: str, outcome_key: str, raw_date: str
) -> tuple[date | None, dict[str, str]]:
    """The form's answers checked before the ack, so a wrong one is shown inline and the form stays.

    `resolve` checks them again (in the school's own time zone); this is only to answer at once.
    """
    errors: dict[str, str] = {}
    if outcome_key not in OUTCOME_WORDS:
        errors[OUTCOME_FIELD] = translate(language, msg(CHOOSE_OUTCOME))
    follow_up_on = None
    if raw_date:
        try:
            follow_up_on = date.fromisoformat(raw_date)
        except ValueError:
            errors[FOLLOW_UP_FIELD] = translate(language, msg(CHOOSE_DATE))
        else:
            if follow_up_on < utcnow().astimezone(ZoneInfo(timezone)).date():
                errors[FOLLOW_UP_FIELD] = translate(language, msg(PAST_FOLLOW_UP))
    return follow_up_on, errors


async def _open_modal(client: AsyncWebClient, trigger_id: object, view: Any) -> None:
    if not isinstance(trigger_id, str) or not trigger_id:
        return
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except (SlackApiError, SlackClientError) as exc:
        # Most often expired_trigger_id: Slack gives three seconds to open a modal.
        log.warning(
            "resolve modal not opened: %s", getattr(exc, "response", {}).get("error", type(exc).__name__)
        )
