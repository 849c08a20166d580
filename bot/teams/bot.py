"""One authenticated Teams activity in, a use case run, the answer out.

- a message in the 1:1 chat is a command in the shared command language (`mentor` first or not);
  mentions of people become `@<their id>`; the reply is posted back into the conversation
- in a channel, only `help` and `eht` (which makes that channel the EHT channel) are answered:
  everything else concerns children and belongs in a 1:1 chat
- a card button (`adaptiveCard/action` invoke) runs the same use cases directly (never rebuilt
  into command text); its answer replaces the check-in form with a confirmation, or is shown to
  the person who clicked
- Teams re-sends an activity it thinks timed out (after 15 s): every message and button press runs
  through the core once per activity id, so a re-sent check-in is never saved twice
- installing the app, and every message, stores the conversation reference for later prompts

Whatever arrives, the sender gets a polite answer in their language; nothing here raises to the
web layer except `Malformed` (400) and `Forbidden` (403).
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from typing import Any

from microsoft_teams.api import ActivityTypeAdapter
from pydantic import ValidationError

from bot.i18n import gettext as _g
from bot.i18n import translate
from bot.render_text import render_reply
from bot.roster_import import PROGRESS_FROM, import_roster, started
from bot.schools import in_school, school_id_of, with_school_prefix
from bot.teams import references
from bot.teams.cards import card_json, check_in_form, confirmation_card, lines_card
from bot.teams.connector import Connector
from bot.teams.messages import card_activity, reply_activities, text_activity, with_names
from bot.teams.stamps import stamp_activity, stamp_card
from handlers.actors import Caller, SchoolDefaults
from handlers.alerts import acknowledge, record_investigation, resolve, take_ownership
from handlers.checkin_form import FIELDS
from handlers.checkins import start_check_in
from handlers.commands import Action
from handlers.delivery import DeliveryFailed, Notifier
from handlers.dispatch import Core
from handlers.early_warning import OUTCOME_WORDS
from handlers.failures import log_failure
from handlers.guardians import record_guardians_told
from handlers.jobs import BUSY
from handlers.lookups import CODE_PATTERN
from handlers.plans import record_plan
from handlers.prompts import did_not_meet, snooze
from handlers.results import Destination, OpenCheckIn, Outcome, TypedHint
from handlers.roles import set_eht_channel
from handlers.roster import RosterRow, import_row, may_import, parse_roster
from models import CheckInKind, PlanKind, ReferenceKind
from models.base import utcnow
from models.db import Database
from models.messages import N_, Message, Refused, msg
from models.personnummer import looks_like_personnummer
from models.plan import KIND_WORDS
from models.typed_text import without_unreadable

log = logging.getLogger("mentorbot.teams")

PLATFORM = "teams"
_USER_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TAG = re.compile(r"<[^>]{0,200}>")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CHANNEL_COMMANDS = {"help", "hjälp", "hjalp", "?", "eht"}
IMPORT_WORDS = {"import", "importera"}
_IMPORT_WORD = re.compile(r"^\s*(?:mentor\s+)?(?:import|importera)\b", re.IGNORECASE)
_LINE_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)
# A pasted roster: up to MAX_ROWS lines (parse_roster counts them); Teams messages hold about 28 KB.
ROSTER_MAX = 30_000
_OBJECT_ID = re.compile(r"^@?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

IMPORT_HOW = N_(
    "Write import and paste the students below it, one per line: code,name,grade,class,mentor. Only "
    "the code is required; mention the mentor (@ and their name) so I know who it is."
)
NOT_A_MENTION = N_("Mention the mentor (@ and their name) so I know who {mentor} is.")
SORRY = N_("Something went wrong on my side; nothing was changed. Please try again in a moment.")
BUTTON_GONE = N_("That button does not work any more. Type help to see what I can do.")


class Malformed(Exception):
    """Not an activity we can read: answer 400."""


class Forbidden(Exception):
    """An activity from another Microsoft 365 tenant than the school's: answer 403."""


class UnknownPerson(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _kind(activity: Any) -> str:
    kind = getattr(activity, "type", None)
    return kind if isinstance(kind, str) and kind.isidentifier() else "?"


def card_response(card: Any, destination: Destination | None = None) -> dict[str, Any]:
    """A card as the answer to a press; `destination`: its school (see `bot/teams/stamps.py`)."""
    value = stamp_card(card_json(card), destination)
    return {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": value}


def message_response(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


def channel_key(channel_id: str, name: str | None) -> str:
    """A short, readable, stable name for a Teams channel, usable as `eht #name` (e.g. elevhalsa-3fa2b1)."""
    slug = re.sub(r"[^\w.-]+", "-", name or "").strip("-.")[:40] or "teams-channel"
    digest = hashlib.sha256(channel_id.encode()).hexdigest()[:6]
    key = f"{slug}-{digest}"
    # A channel named like an identity number keeps its name in Teams, not in our database.
    return f"teams-channel-{digest}" if looks_like_personnummer(key) else key


class TeamsBot:
    def __init__(
        self,
        db: Database,
        defaults: SchoolDefaults,
        tenant_id: str,
        connector: Connector,
        notifier: Notifier,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.defaults = defaults
        self.tenant_id = tenant_id
        self.connector = connector
        self.core = Core(db, defaults, notifier, now)
        self.now = now

    # -- entry point ---------------------------------------------------------------------------

    def _activity(self, raw: dict[str, Any]) -> Any:
        """The activity read and checked: `Malformed` if it is none, `Forbidden` from another tenant."""
        try:
            activity = ActivityTypeAdapter.validate_python(raw)
        except ValidationError:
            raise Malformed("not a Bot Framework activity") from None
        if self._tenant(activity) != self.tenant_id:
            raise Forbidden("another tenant")
        return activity

    def admit(self, raw: dict[str, Any]) -> tuple[str, str | None]:
        """The activity's type and its key in the job queue, once it is known to be one of ours.

        The key names the activity: Teams re-sends the same id when it thinks we timed out."""
        activity = self._activity(raw)
        activity_id = getattr(activity, "id", None)
        if not isinstance(activity_id, str) or not activity_id:
            return _kind(activity), None
        return _kind(activity), f"teams:{self.tenant_id}:{activity.conversation.id[:60]}:{activity_id[:80]}"

    def busy(self, raw: dict[str, Any]) -> None:
        """Too many changes are waiting: say so in the sender's language; nothing is stored."""
        activity = self._activity(raw)
        user_id = self._user_id(activity)
        if user_id is None or activity.type != "message":
            return
        outcome = self.core.run(self._caller(activity, user_id), _refusing(BUSY))
        self._answer(activity, msg(BUSY), outcome.language)

    def handle(self, raw: dict[str, Any]) -> dict[str, Any] | None:
        """Act on one activity; returns the invoke response body for a card action, else None."""
        activity = self._activity(raw)
        try:
            return self._route(activity)
        except Exception as exc:
            # Never a traceback to Teams, never the activity or the error's message in the log:
            # either may hold a note or a name.
            log_failure(f"Teams activity of type {_kind(activity)}", exc, log)
            return self._sorry(activity)

    def _route(self, activity: Any) -> dict[str, Any] | None:
        kind = activity.type
        user_id = self._user_id(activity)
        if user_id is not None:
            self._remember(activity, user_id)
        if kind == "conversationUpdate":
            # Sent with installationUpdate when the app is installed: only the latter greets.
            self._learn_roster(activity)
            return None
        if kind == "installationUpdate":
            self._welcome(activity)
            return None
        if user_id is None and kind in ("message", "invoke"):
            return self._answer(
                activity, msg(N_("I cannot tell who you are. Please write to me from Teams."))
            )
        if kind == "message":
            value = getattr(activity, "value", None)
            if isinstance(value, dict) and not (activity.text or "").strip():
                # An Action.Submit from an older client: the same as a button, answered in the chat.
                self._post_invoke_answer(activity, self._card_action(activity, user_id, value))
            else:
                self._message(activity, user_id)
            return None
        if kind == "invoke" and getattr(activity, "name", "") == "adaptiveCard/action":
            action = getattr(activity.value, "action", None)
            data = getattr(action, "data", None)
            return self._card_action(activity, user_id, data if isinstance(data, dict) else {})
        return None  # typing, reactions and the like need no answer

    # -- who and where -------------------------------------------------------------------------

    @staticmethod
    def _tenant(activity: Any) -> str:
        conversation_tenant = getattr(activity.conversation, "tenant_id", None)
        channel_data = getattr(activity, "channel_data", None)
        data_tenant = getattr(getattr(channel_data, "tenant", None), "id", None)
        return str(conversation_tenant or data_tenant or "").lower()

    @staticmethod
    def _user_id(activity: Any) -> str | None:
        sender = activity.from_
        candidate = (getattr(sender, "aad_object_id", None) or sender.id or "").lower()
        return candidate if _USER_ID.match(candidate) else None

    @staticmethod
    def _is_personal(activity: Any) -> bool:
        return getattr(activity.conversation, "conversation_type", None) in (None, "personal")

    def _caller(self, activity: Any, user_id: str) -> Caller:
        return Caller(PLATFORM, self.tenant_id, user_id, (activity.from_.name or "")[:80])

    def _remember(self, activity: Any, user_id: str) -> None:
        """The sender's name always; in a 1:1 chat also the conversation, to write to them later."""
        name = activity.from_.name or ""
        if self._is_personal(activity):
            references.remember(
                self.db,
                self.tenant_id,
                ReferenceKind.PERSON,
                user_id,
                activity.from_.id,
                name,
                activity.service_url,
                activity.conversation.id,
                self.now(),
            )
        else:
            person = references.Person(user_id, activity.from_.id, name)
            references.learn_names(self.db, self.tenant_id, [person], self.now())

    @staticmethod
    def _team_id(activity: Any) -> str | None:
        team = getattr(getattr(activity, "channel_data", None), "team", None)
        team_id = getattr(team, "id", None)
        return team_id if isinstance(team_id, str) and team_id else None

    def _learn_roster(self, activity: Any) -> None:
        """When the bot or people join a team, learn the team's names (so no one reads an object id)."""
        team_id = self._team_id(activity)
        if team_id is not None and getattr(activity, "members_added", None):
            self._read_roster(activity.service_url, team_id)

    def _read_roster(self, service_url: str, team_id: str) -> None:
        try:
            members = self.connector.roster(service_url, team_id)
        except DeliveryFailed as failure:
            log.warning("could not read the team's roster: %s", failure)
            return
        people = []
        for member in members:
            user_id, teams_id, name = member.get("aadObjectId"), member.get("id"), member.get("name")
            if isinstance(user_id, str) and _USER_ID.match(user_id.lower()) and isinstance(teams_id, str):
                shown = name if isinstance(name, str) else ""
                people.append(references.Person(user_id.lower(), teams_id, shown))
        references.learn_names(self.db, self.tenant_id, people, self.now())

    # -- answering -----------------------------------------------------------------------------

    def _named(self, value: Any, language: str) -> Any:
        """People by their Teams names (a neutral word for someone the bot does not know yet)."""
        return with_names(value, references.display_names(self.db, self.tenant_id), language)

    def _send(self, activity: Any, outgoing: list[dict[str, Any]], language: str) -> None:
        for item in outgoing:
            try:
                self.connector.send(
                    activity.service_url,
                    activity.conversation.id,
                    self._named(item, language),
                    reply_to=activity.id,
                )
            except DeliveryFailed as failure:
                log.warning("could not answer in Teams: %s", failure)

    def _answer(self, activity: Any, message: Message, language: str | None = None) -> dict[str, Any] | None:
        language = language or self.defaults.language
        text = translate(language, message)
        if activity.type == "invoke":
            return message_response(text)
        self._send(activity, [text_activity(text)], language)
        return None

    def _sorry(self, activity: Any) -> dict[str, Any] | None:
        try:
            return self._answer(activity, msg(SORRY))
        except Exception as exc:
            log_failure("saying sorry in Teams", exc, log)
            return message_response(_g(self.defaults.language, SORRY))

    def _post_invoke_answer(self, activity: Any, response: dict[str, Any] | None) -> None:
        if response is None:
            return
        # Already in the presser's language, with people's names.
        language = self.defaults.language
        if response["type"] == "application/vnd.microsoft.card.adaptive":
            self._send(
                activity,
                [
                    {
                        "type": "message",
                        "attachments": [
                            {
                                "contentType": "application/vnd.microsoft.card.adaptive",
                                "content": response["value"],
                            }
                        ],
                    }
                ],
                language,
            )
        else:
            self._send(activity, [text_activity(str(response["value"]))], language)

    def _welcome(self, activity: Any) -> None:
        """Greet once, when the app is installed for a person (not again for its conversationUpdate)."""
        if self._is_personal(activity) and getattr(activity, "action", "") == "add":
            language = self.defaults.language
            hello = _g(language, N_("Hello, I am mentorbot. Type help to see what I can do."))
            self._send(activity, [text_activity(hello)], language)

    # -- messages ------------------------------------------------------------------------------

    def _command_text(self, activity: Any, keep_lines: bool = False) -> str:
        """The typed text with the bot's mention removed and people's mentions as @<their id>;
        `keep_lines` keeps one line per line typed (pasted roster rows), else one line."""
        text = activity.text or ""
        for entity in getattr(activity, "entities", None) or []:
            if getattr(entity, "type", None) != "mention":
                continue
            mentioned = getattr(entity, "mentioned", None)
            tag = getattr(entity, "text", None) or f"<at>{getattr(mentioned, 'name', '')}</at>"
            if mentioned is None or mentioned.id == activity.recipient.id:
                text = text.replace(tag, " ")
                continue
            name = without_unreadable(html.unescape(_TAG.sub("", mentioned.name or tag)))[:60]
            aad = (getattr(mentioned, "aad_object_id", None) or "").lower()
            user_id = aad if _USER_ID.match(aad) else None
            user_id = user_id or references.person_with_teams_id(self.db, self.tenant_id, mentioned.id)
            if user_id is None:
                raise UnknownPerson(name)
            # The name as Teams shows it now, so answers about this person name them.
            person = references.Person(user_id, mentioned.id, name)
            references.learn_names(self.db, self.tenant_id, [person], self.now())
            text = text.replace(tag, f" @{user_id} ")
        if not keep_lines:
            return " ".join(html.unescape(_TAG.sub(" ", text)).split())[:2000]
        lines = _LINE_BREAK.sub("\n", text[:ROSTER_MAX]).splitlines()
        return "\n".join(" ".join(html.unescape(_TAG.sub(" ", line)).split()) for line in lines)

    def _message(self, activity: Any, user_id: str) -> None:
        try:
            text = self._command_text(activity)
        except UnknownPerson as unknown:
            self._answer(
                activity,
                msg(
                    N_("I do not know {name} yet: ask them to open mentorbot in Teams once, then try again."),
                    name=unknown.name,
                ),
            )
            return
        words = text.split()
        first = words[1] if len(words) > 1 and words[0].lower() == "mentor" else (words[0] if words else "")
        if not self._is_personal(activity):
            if first.lower() not in CHANNEL_COMMANDS:
                self._answer(
                    activity,
                    msg(
                        N_(
                            "Write to me in a 1:1 chat for that: it concerns students. In a channel I only "
                            "answer help and eht."
                        )
                    ),
                )
                return
        elif first.lower() in IMPORT_WORDS:
            self._import(activity, user_id)
            return
        elif first.lower() == "eht":
            self._answer(
                activity,
                msg(
                    N_(
                        "Run eht in the Teams channel where the student health team should get alerts, "
                        "mentioning me there."
                    )
                ),
            )
            return
        caller, key = self._caller(activity, user_id), self._key(activity, user_id)
        if not self._is_personal(activity) and first.lower() == "eht":
            outcome = self.core.run(caller, self._eht_here(activity), key=key)
        else:
            outcome = self.core.command(caller, text, key=key)
        outgoing = reply_activities(outcome.language, outcome.reply)
        for reply in outcome.reply:
            if isinstance(reply, OpenCheckIn):
                form = check_in_form(
                    outcome.language,
                    reply.student_code,
                    reply.student_label,
                    CheckInKind.ADHOC,
                    reply.prefilled,
                    registered=reply.registered,
                )
                outgoing.append(card_activity(form))
        # Cards carry the school they belong to; its name is on top where the person has several.
        outgoing = [stamp_activity(item, outcome.destination) for item in outgoing]
        self._send(activity, outgoing, outcome.language)

    def _import(self, activity: Any, user_id: str) -> None:
        """`import` with the roster pasted below it, one student per line (mentors mentioned)."""
        caller = self._caller(activity, user_id)
        allowed = self.core.run(caller, may_import)
        if allowed.refused:
            self._send(activity, reply_activities(allowed.language, allowed.reply), allowed.language)
            return
        pasted = _IMPORT_WORD.sub("", self._command_text(activity, keep_lines=True), count=1)
        first, _, below = pasted.partition("\n")
        # Rows are numbered as pasted: the first is the line below `import`, unless it is on that line.
        rows = parse_roster(pasted if first.strip() else below)
        if not rows:
            self._answer(activity, msg(IMPORT_HOW), allowed.language)
            return
        if len(rows) > PROGRESS_FROM:
            self._answer(activity, started(len(rows)), allowed.language)
        report = import_roster(
            self.core,
            caller,
            rows,
            allowed.language,
            key=self._key(activity, user_id),
            row_action=_mentioned_mentor,
        )
        report_card = stamp_activity(card_activity(lines_card(report.lines())), allowed.destination)
        self._send(activity, [report_card], allowed.language)

    def _eht_here(self, activity: Any) -> Action:
        """Make this channel the EHT channel, confirmed by its name (Teams gives none for General)."""
        channel = getattr(getattr(activity, "channel_data", None), "channel", None)
        channel_id = getattr(channel, "id", None) or activity.conversation.id.split(";")[0]
        name = getattr(channel, "name", None) or ""
        key = channel_key(channel_id, name)
        references.remember(
            self.db,
            self.tenant_id,
            ReferenceKind.CHANNEL,
            key,
            channel_id,
            name,
            activity.service_url,
            channel_id,
            self.now(),
        )
        team_id = self._team_id(activity)
        if team_id is not None:
            # The team is where the school's staff are: learn their names for the alerts' "owner @…".
            self._read_roster(activity.service_url, team_id)
        shown = name or msg(N_("this channel"))
        return partial(set_eht_channel, channel_id=key, channel_name=shown)

    # -- card buttons --------------------------------------------------------------------------

    def _key(self, activity: Any, user_id: str) -> str | None:
        """Once per activity: Teams re-sends the same activity id when it thinks we timed out."""
        activity_id = getattr(activity, "id", None)
        if not isinstance(activity_id, str) or not activity_id:
            return None
        return f"teams:{self.tenant_id}:{user_id}:{activity_id[:80]}"

    def _card_action(self, activity: Any, user_id: str, data: dict[str, Any]) -> dict[str, Any] | None:
        do = data.get("do")
        # The school the card came from (stamped by bot/teams/stamps.py); None: an older card.
        caller = in_school(self._caller(activity, user_id), school_id_of(data.get("school")))
        key = self._key(activity, user_id)
        if isinstance(do, str) and (do.startswith("checkin.") or do in ("snooze", "notmet")):
            if not self._is_personal(activity):
                return self._answer(activity, msg(BUTTON_GONE))
            code = data.get("code")
            if not (isinstance(code, str) and CODE_PATTERN.fullmatch(code.strip().upper())):
                return self._answer(activity, msg(BUTTON_GONE))
            if do == "checkin.submit":
                return self._submit(caller, code, data, key)
            if do == "checkin.open":
                outcome = self.core.run(caller, partial(start_check_in, code=code))
                opened = [r for r in outcome.reply if isinstance(r, OpenCheckIn)]
                if opened:
                    form = check_in_form(
                        outcome.language,
                        code,
                        opened[0].student_label,
                        CheckInKind.SCHEDULED,
                        opened[0].prefilled,
                        registered=opened[0].registered,
                    )
                    form_activity = stamp_activity(card_activity(form), outcome.destination)
                    self._send(activity, [form_activity], outcome.language)
                    below = msg(N_("The check-in form for {code} is below."), code=code)
                    return message_response(
                        with_school_prefix(translate(outcome.language, below), outcome.destination)
                    )
                return self._outcome_response(outcome)
            use_case = snooze if do == "snooze" else did_not_meet
            return self._outcome_response(self.core.run(caller, partial(use_case, code=code), key=key))
        if do == "guardians.told":
            return self._guardians_told(activity, caller, data, key)
        action = self._alert_action(data)
        if action is None:
            return self._answer(activity, msg(BUTTON_GONE))
        if isinstance(action, Message):
            return self._answer(activity, action)
        return self._outcome_response(self.core.run(caller, action, key=key))

    def _guardians_told(
        self, activity: Any, caller: Caller, data: dict[str, Any], key: str | None
    ) -> dict[str, Any] | None:
        """Yes or No on the question whether a mentee's guardians were told (7 kap. 17 §)."""
        question, told = data.get("question"), data.get("told")
        if isinstance(question, bool) or not isinstance(question, int) or not isinstance(told, bool):
            return self._answer(activity, msg(BUTTON_GONE))
        if not 0 < question < 10**9:
            return self._answer(activity, msg(BUTTON_GONE))
        use_case = partial(record_guardians_told, question_id=question, told=told)
        return self._outcome_response(self.core.run(caller, use_case, key=key))

    @staticmethod
    def _alert_action(data: dict[str, Any]) -> Action | Message | None:
        """The use case a button on a case's card stands for; None for a button we do not know.

        The card's `alert` is the case's number (the name the cards have always carried)."""
        do, alert = data.get("do"), data.get("alert")
        if not isinstance(alert, int) or isinstance(alert, bool) or not 0 < alert < 10**9:
            return None
        if do == "alert.ack":
            return partial(acknowledge, case_id=alert)
        if do == "alert.own":
            return partial(take_ownership, case_id=alert)
        if do == "alert.investigation" and isinstance(data.get("started"), bool):
            return partial(record_investigation, case_id=alert, started=data["started"])
        if do == "alert.resolve":
            outcome, follow_up = data.get("outcome"), data.get("follow_up") or ""
            if outcome not in OUTCOME_WORDS:
                return msg(N_("Choose what was done before you resolve the case."))
            if not isinstance(follow_up, str) or (follow_up and not _DATE.match(follow_up)):
                return msg(N_("Write the follow-up date as YYYY-MM-DD, for example 2026-03-15."))
            try:
                follow_up_on = date.fromisoformat(follow_up) if follow_up else None
            except ValueError:
                return msg(N_("Write the follow-up date as YYYY-MM-DD, for example 2026-03-15."))
            return partial(resolve, case_id=alert, outcome=outcome, follow_up_on=follow_up_on)
        if do == "alert.plan":
            return _plan_action(alert, data)
        return None

    def _outcome_response(self, outcome: Outcome) -> dict[str, Any]:
        """The answer to a button press, without what to type: the card pressed has the buttons."""
        replies = [reply for reply in outcome.reply if not isinstance(reply, TypedHint)]
        lines = [line for reply in replies for line in render_reply(outcome.language, reply)]
        text = with_school_prefix("\n".join(lines), outcome.destination)
        return message_response(self._named(text, outcome.language))

    def _submit(self, caller: Caller, code: str, data: dict[str, Any], key: str | None) -> dict[str, Any]:
        kind = CheckInKind.SCHEDULED if data.get("kind") == CheckInKind.SCHEDULED.value else CheckInKind.ADHOC
        answers = {f.name: data.get(f.name) for f in FIELDS if isinstance(data.get(f.name), str | int | bool)}
        outcome = self.core.check_in(caller, code, answers, kind, key=key)
        if outcome.form_errors:
            label = data.get("label") if isinstance(data.get("label"), str) else code
            form = check_in_form(outcome.language, code, label[:80], kind, answers, outcome.form_errors)
            # Asked again for the same school's student: the form keeps the school it was sent with.
            return card_response(form, Destination(PLATFORM, self.tenant_id, school_id=caller.school_id))
        if outcome.refused:
            return self._outcome_response(outcome)
        lines = [line for reply in outcome.reply for line in render_reply(outcome.language, reply)]
        return card_response(confirmation_card(outcome.language, lines), outcome.destination)


def _plan_action(case_id: int, data: dict[str, Any]) -> Action | Message:
    """The Record plan button under a case's card: its kind, review date and goal inputs."""
    kind, review, goal = data.get("plan_kind"), data.get("review_on"), data.get("goal")
    if not isinstance(kind, str) or kind not in KIND_WORDS:
        return msg(N_("Choose what the plan does before you record it."))
    try:
        if not isinstance(review, str) or not _DATE.match(review):
            raise ValueError(review)
        review_on = date.fromisoformat(review)
    except ValueError:
        return msg(N_("Write the review date as YYYY-MM-DD, for example 2026-03-15."))
    goal = goal if isinstance(goal, str) else ""
    return partial(record_plan, case_id=case_id, kind=PlanKind(kind), review_on=review_on, goal=goal)


def _refusing(message: str) -> Action:
    """A refusal through the core, so it is said in the person's own language."""

    def refuse(_session: Any, _actor: Any, _now: Any) -> Outcome:
        raise Refused(message)

    return refuse


def _mentioned_mentor(row: RosterRow) -> Action:
    """In Teams a row's mentor is a mention (their Entra object id), never a typed name that could
    become a person who does not exist."""
    if row.mentor and not _OBJECT_ID.match(row.mentor.lower()):
        problem = Refused(NOT_A_MENTION, mentor=row.mentor[:40])

        def refuse(_session: Any, _actor: Any, _now: Any) -> Outcome:
            raise problem

        return refuse
    return partial(import_row, row=replace(row, mentor=row.mentor.lower()))
