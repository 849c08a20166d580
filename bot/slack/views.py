"""Modals: the check-in form and the roster import, opened with views.open and submitted back here.

The check-in's answers are validated before the ack, with the same `validate` every platform uses
(pure, no I/O, so well inside Slack's 3 seconds): wrong answers go back inline with
`response_action: errors` and the modal stays open. Saving happens after the ack, once per modal
(or once per prompt), and the mentor gets the confirmation with the trend as a DM.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import translate
from bot.roster_import import PROGRESS_FROM, import_roster, started
from bot.schools import in_school, school_id, school_id_in_text
from bot.slack.answer import answer, answer_replies
from bot.slack.blocks import (
    CHECKIN_CALLBACK,
    IMPORT_CALLBACK,
    ROSTER_FIELD,
    answers_from_state,
    checkin_modal,
    form_errors,
    import_modal,
    lines_content,
    message_content,
    read_metadata,
    roster_text,
    school_metadata,
)
from bot.slack.deps import SOMETHING_WENT_WRONG, Deps, caller_of, log, log_failure, off_loop
from bot.slack.home import publish_home
from bot.slack.jobs import queue_form, register_work
from bot.slack.stamps import stamp_view
from handlers.actors import Caller
from handlers.checkin_form import InvalidCheckIn, validate
from handlers.results import Destination, OpenCheckIn
from handlers.roster import may_import, parse_roster
from models import CheckInKind
from models.messages import N_, Message, msg

LANGUAGES = ("sv", "en")


async def open_checkin_modal(
    client: AsyncWebClient,
    trigger_id: object,
    language: str,
    form: OpenCheckIn,
    kind: str = "adhoc",
    prompt: str = "",
    destination: Destination | None = None,
) -> None:
    """The form for one student of the school in `destination` (the outcome that allowed it), which
    the submission acts in: the same code may belong to a student of another school too."""
    if not isinstance(trigger_id, str) or not trigger_id:
        return
    modal = checkin_modal(
        language,
        form.student_code,
        form.student_label,
        kind,
        prompt,
        school_id(destination),
        form.registered,
        form.prefilled,
    )
    view = stamp_view(modal, destination)
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except (SlackApiError, SlackClientError) as exc:
        # Most often expired_trigger_id: Slack gives three seconds to open a modal.
        log.warning(
            "check-in modal not opened: %s", getattr(exc, "response", {}).get("error", type(exc).__name__)
        )


async def open_import_modal(deps: Deps, client: AsyncWebClient, body: dict[str, Any], caller: Caller) -> None:
    outcome = await off_loop(deps.core.run, caller, may_import)
    if outcome.refused:
        await answer_replies(body, client, caller.user_id, outcome.language, outcome.reply)
        return
    trigger_id = body.get("trigger_id")
    if isinstance(trigger_id, str) and trigger_id:
        try:
            view = import_modal(outcome.language, school_metadata(school_id(outcome.destination)))
            await client.views_open(trigger_id=trigger_id, view=stamp_view(view, outcome.destination))
        except (SlackApiError, SlackClientError) as exc:
            log.warning("import modal not opened: %s", type(exc).__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(CHECKIN_CALLBACK)
    async def checkin_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        meta = read_metadata(view.get("private_metadata"))
        language = meta.get("lang") if meta.get("lang") in LANGUAGES else deps.defaults.language
        try:
            validate(answers_from_state(view.get("state")))
        except InvalidCheckIn as invalid:
            await ack(response_action="errors", errors=form_errors(language, invalid.errors))
            return
        caller = caller_of(context, body)
        if caller is None:
            await ack()
            return
        key = _check_in_key(caller, meta, view, body)
        await queue_form(deps, ack, client, caller, key, CHECKIN_JOB, view)

    async def save_check_in(
        client: AsyncWebClient, caller: Caller, payload: dict[str, Any], key: str
    ) -> None:
        view = payload["view"]
        meta = read_metadata(view.get("private_metadata"))
        language = meta.get("lang") if meta.get("lang") in LANGUAGES else deps.defaults.language
        code = meta.get("code")
        try:
            if not code:
                await _dm(client, caller.user_id, language, msg(FORM_UNREADABLE))
                return
            kind = CheckInKind.SCHEDULED if meta.get("kind") == "scheduled" else CheckInKind.ADHOC
            # Saved in the school the form was opened for (its metadata), not where one acts now.
            in_form_school = in_school(caller, school_id_in_text(meta.get("school")))
            answers = answers_from_state(view.get("state"))
            outcome = await off_loop(deps.core.check_in, in_form_school, code, answers, kind, key=key)
            replies = list(outcome.reply)
            replies.extend(outcome.form_errors.values())
            await answer_replies({}, client, caller.user_id, outcome.language, replies, outcome.destination)
            if not outcome.refused:
                await publish_home(deps, client, caller)  # the school the person acts in, as App Home shows
        except Exception as exc:
            log_failure("check-in submission", exc)
            await _dm(client, caller.user_id, language, msg(SOMETHING_WENT_WRONG))

    register_work(deps, CHECKIN_JOB, save_check_in)

    @app.view(IMPORT_CALLBACK)
    async def import_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        rows = parse_roster(roster_text(view.get("state")))
        language = deps.defaults.language
        if not rows:
            await ack(
                response_action="errors",
                errors={ROSTER_FIELD: translate(language, msg(N_("Paste at least one row.")))},
            )
            return
        caller = caller_of(context, body)
        if caller is None:
            await ack()
            return
        key = f"slack:import:{str(view.get('id') or '')[:40]}"
        await queue_form(deps, ack, client, caller, key, IMPORT_JOB, view)

    async def import_rows(client: AsyncWebClient, caller: Caller, payload: dict[str, Any], key: str) -> None:
        view = payload["view"]
        rows = parse_roster(roster_text(view.get("state")))
        # Into the school the form was opened in, not one chosen in between.
        school = school_id_in_text(read_metadata(view.get("private_metadata")).get("school"))
        try:
            await _import(deps, client, in_school(caller, school), rows, key)
        except Exception as exc:
            log_failure("roster import", exc)
            await _dm(client, caller.user_id, deps.defaults.language, msg(SOMETHING_WENT_WRONG))

    register_work(deps, IMPORT_JOB, import_rows)


CHECKIN_JOB = "view:checkin"
IMPORT_JOB = "view:import"


def _check_in_key(caller: Caller, meta: dict[str, Any], view: dict[str, Any], body: dict[str, Any]) -> str:
    """Made on the server from who submits and what: once per prompt (however many forms were opened
    from it) or once per form. The form's metadata only says which prompt; since the key includes
    the submitter, metadata copied from someone else's form can never stand in for their action."""
    prompt = str(meta.get("prompt") or "")[:40]
    where = f"prompt:{prompt}" if prompt else f"view:{str(view.get('id') or body.get('trigger_id'))[:40]}"
    return f"slack:checkin:{caller.workspace_id}:{caller.user_id}:{where}:{meta.get('code')}"


FORM_UNREADABLE = N_("I could not read that form. Please open it again with /mentor checkin CODE.")


async def _import(deps: Deps, client: AsyncWebClient, caller: Caller, rows: list[Any], key: str) -> None:
    """Each row in its own transaction: a refused row leaves nothing behind and the others go on."""
    if len(rows) > PROGRESS_FROM:
        # A long list takes a while (one transaction per row): say it has started.
        await _dm(client, caller.user_id, deps.defaults.language, started(len(rows)))
    report = await off_loop(import_roster, deps.core, caller, rows, deps.defaults.language, key=key)
    await answer({}, client, caller.user_id, lines_content(report.lines()))


async def _dm(client: AsyncWebClient, user_id: str, language: str, message: Message) -> None:
    await answer({}, client, user_id, message_content(language, message))
