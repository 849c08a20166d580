"""Block Kit for mentorbot, built with slack_sdk's models so every payload is validated before it is sent.

One function per surface: `reply_blocks` (ephemeral answers to /mentor), `notification_content`
(messages to people and channels, including the due-prompt buttons, the EHT alerts and the
mentor's Yes/No on whether guardians were told of unexcused absence), `checkin_modal` (built from
`handlers.checkin_form.FIELDS`, its absence answers filled in where the school's system registered
the days), `import_modal`, `resolve_modal`, and
`home_view` (App Home). Anything this module does not know how to draw is shown as plain text from
`bot.render_text`, so a new content type from the domain degrades to text instead of breaking
delivery.

A student's case (`alert_content`) is one card: the risk level first, the student's code, grade
and class, what is new, then each rule crossed with why it fires and the evidence in numbers with
the trend (a rule that cleared says so), and where the case stands; never a check-in's note or
strengths (an `AlertNotice` does not carry them). Its buttons are its `next_steps`, the same as
Teams draws: Acknowledge (until someone has), Take ownership (an owned case too, so a colleague
can take over), Resolve…, and Yes/No for the 7 kap. 19 a § investigation question on absence
rules until it is answered; a resolved case has none. Resolve… opens a small modal with the
outcome (required) and an optional follow-up date, rather than resolving from a select in the
message: resolving is final and takes the card's buttons away, so it deserves a deliberate
Save, and the follow-up date the lifecycle asks for needs a date picker anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import gettext as _g
from bot.i18n import local_date, local_time, translate
from bot.render_text import (
    alert_heading,
    alert_news,
    alert_status,
    guardians_answer_hint,
    guardians_question,
    investigation_state,
    render_help,
    render_notification,
    render_prompt,
    render_reply,
    rule_line,
)
from handlers.checkin_form import CONFIRM_REGISTERED, FIELDS, RATING_WORDS, FieldKind, FormField
from handlers.checkins import DIRECTION_WORDS
from handlers.early_warning import OUTCOME_WORDS
from handlers.home import CaseloadRow, HomeSummary
from handlers.results import (
    AlertList,
    AlertNotice,
    AlertStep,
    DuePrompt,
    GuardiansToldQuestion,
    Help,
    Notification,
    OpenCheckIn,
    Reply,
    RuleState,
)
from models.messages import N_, Message, msg
from models.plan import GOAL_MAX, KIND_WORDS

CHECKIN_CALLBACK = "checkin"
IMPORT_CALLBACK = "roster_import"
ROSTER_FIELD = "roster"
# The buttons on a due prompt (and on App Home); the value is the student code.
ACTION_CHECKIN = "prompt_checkin"
ACTION_SNOOZE = "prompt_snooze"
ACTION_NOTMET = "prompt_notmet"
# The buttons on a case's card; the value is the case's number.
ACTION_ALERT_ACK = "alert_ack"
ACTION_ALERT_OWN = "alert_own"
ACTION_ALERT_RESOLVE = "alert_resolve"
ACTION_ALERT_INVESTIGATION_YES = "alert_investigation_yes"
ACTION_ALERT_INVESTIGATION_NO = "alert_investigation_no"
ACTION_GUARDIANS_TOLD = "guardians_told_yes"
ACTION_GUARDIANS_NOT_TOLD = "guardians_told_no"
RESOLVE_CALLBACK = "alert_resolve_form"
OUTCOME_FIELD = "outcome"
FOLLOW_UP_FIELD = "follow_up_on"
ACTION_ALERT_PLAN = "alert_plan"
PLAN_CALLBACK = "alert_plan_form"
PLAN_KIND_FIELD = "plan_kind"
REVIEW_FIELD = "review_on"
RESPONSIBLE_FIELD = "responsible"
GOAL_FIELD = "goal"

# Slack's own limits: text in a section, blocks in a message and in a view.
SECTION_MAX = 3000
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
PROMPT_MENTEES_MAX = 20
HOME_ROWS_MAX = 40

_USER_MENTION = re.compile(r"@([UW][A-Z0-9]{2,})\b")


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters; user text must not form links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Escape, then turn `@U123ABC` (a Slack user id the domain wrote as @id) into a real mention."""
    return _USER_MENTION.sub(r"<@\1>", escape(text))


def _sections(lines: Iterable[str], code: bool = False) -> list[Block]:
    """Lines to section blocks, split so each stays under Slack's 3000 characters."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 8 > SECTION_MAX and chunk:
            blocks.append(_section(chunk, code))
            chunk, size = [], 0
        chunk.append(line[: SECTION_MAX - 8])
        size += len(line) + 1
    if chunk:
        blocks.append(_section(chunk, code))
    return blocks


def _section(lines: list[str], code: bool) -> SectionBlock:
    text = "\n".join(escape(line) for line in lines) if code else "\n".join(mrkdwn(line) for line in lines)
    return SectionBlock(text=MarkdownTextObject(text=f"```{text}```" if code else text))


@dataclass(frozen=True)
class Content:
    """A message as Slack takes it: `text` is the notification/fallback text, `blocks` the layout."""

    text: str
    blocks: list[dict[str, Any]]


def _content(text: str, blocks: list[Block]) -> Content:
    # to_dict() validates each block against Slack's rules (lengths, required fields).
    return Content(text=text[:SECTION_MAX], blocks=[block.to_dict() for block in blocks[:MESSAGE_BLOCKS_MAX]])


def reply_blocks(language: str, replies: Iterable[Reply]) -> Content:
    """The ephemeral answer to /mentor: messages as sections, lists and help as readable text."""
    blocks: list[Block] = []
    texts: list[str] = []
    for reply in replies:
        if isinstance(reply, OpenCheckIn):
            continue  # shown as a modal, not as text
        if isinstance(reply, Help):
            lines = render_help(language, reply.command, reply.hidden)
            blocks.extend(_sections(lines[:1]))
            blocks.extend(_sections(lines[1:], code=True))
        else:
            lines = render_reply(language, reply)
            blocks.extend(_sections(lines))
        texts.extend(lines[:1])
    return _content("\n".join(texts), blocks)


def lines_content(lines: list[str]) -> Content:
    """Text that is already in the reader's language (e.g. an import report)."""
    return _content("\n".join(lines[:1]), _sections(lines))


def message_content(language: str, message: Message) -> Content:
    text = translate(language, message)
    return _content(text, _sections([text]))


def notification_content(language: str, notification: Notification) -> Content:
    language = notification.language or language
    content = notification.content
    if isinstance(content, Message):
        return message_content(language, content)
    if isinstance(content, DuePrompt):
        return prompt_content(language, content)
    if isinstance(content, AlertNotice):
        return alert_content(language, content)
    if isinstance(content, GuardiansToldQuestion):
        return guardians_content(language, content)
    # Content this renderer does not know (yet): the text renderer's words, without its "[→ who]".
    text = render_notification(language, notification).split("] ", 1)[-1]
    return _content(text, _sections(text.splitlines()))


def prompt_content(language: str, prompt: DuePrompt) -> Content:
    header = render_prompt(language, prompt)[0]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{escape(header)}*"))]
    for mentee in prompt.mentees[:PROMPT_MENTEES_MAX]:
        due = local_time(language, mentee.due_at, prompt.timezone)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{escape(mentee.label)}* · {escape(due)}")))
        blocks.append(
            ActionsBlock(
                block_id=f"prompt:{mentee.code}",
                elements=[
                    _button(language, N_("Check in"), ACTION_CHECKIN, mentee.code, style="primary"),
                    _button(language, N_("Snooze to next school day"), ACTION_SNOOZE, mentee.code),
                    _button(language, N_("Did not meet"), ACTION_NOTMET, mentee.code),
                ],
            )
        )
    rest = len(prompt.mentees) - PROMPT_MENTEES_MAX
    if rest > 0:
        more = translate(language, msg(N_("…and {count} more: type /mentor mentees"), count=rest))
        blocks.append(ContextBlock(elements=[PlainTextObject(text=more)]))
    codes = ", ".join(m.code for m in prompt.mentees)
    return _content(f"{header} {codes}", blocks)


def guardians_content(language: str, question: GuardiansToldQuestion) -> Content:
    """Skollagen 7 kap. 17 §: were the guardians told that day? Yes or No, as buttons; once
    answered, the answer in their place."""
    text = guardians_question(language, question)
    value = str(question.question_id)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=escape(text)))]
    if question.told is not None:
        blocks.append(_context(guardians_answer_hint(language, question)))
    else:
        blocks.append(
            ActionsBlock(
                block_id=f"guardians:{value}",
                elements=[
                    _button(language, N_("Yes"), ACTION_GUARDIANS_TOLD, value),
                    _button(language, N_("No"), ACTION_GUARDIANS_NOT_TOLD, value),
                ],
            )
        )
    return _content(text, blocks)


def _button(language: str, label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=_g(language, label), action_id=action_id, value=value, style=style)


# --- EHT alerts ---------------------------------------------------------------------------------


# The buttons for a case's next steps (`AlertNotice.next_steps`), in the order they are offered.
STEP_BUTTONS = {
    AlertStep.ACKNOWLEDGE: (N_("Acknowledge"), ACTION_ALERT_ACK, "primary"),
    AlertStep.TAKE_OWNERSHIP: (N_("Take ownership"), ACTION_ALERT_OWN, None),
    AlertStep.PLAN: (N_("Plan…"), ACTION_ALERT_PLAN, None),
    AlertStep.RESOLVE: (N_("Resolve…"), ACTION_ALERT_RESOLVE, None),
}


def alert_content(language: str, notice: AlertNotice) -> Content:
    """A case's one card: risk and student first, what is new, each rule, the status, the buttons."""
    case_id = str(notice.case_id)
    heading = alert_heading(language, notice)
    status = translate(language, msg(N_("Status: {status}"), status=alert_status(language, notice)))
    blocks: list[Block] = [HeaderBlock(text=heading[:150])]
    news = alert_news(language, notice)
    if news:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{escape(news)}*")))
    for rule in notice.rules:
        text = escape(rule_line(language, rule))
        if rule.state not in (RuleState.CLEARED.value, RuleState.WITHDRAWN.value):
            text += f"\n_{escape(translate(language, rule.explanation))}_"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text[:SECTION_MAX])))
    # mrkdwn: "acknowledged by @U123" becomes a real mention, so the team sees who.
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=mrkdwn(status))]))
    steps = notice.next_steps
    if AlertStep.ANSWER_INVESTIGATION in steps:
        blocks += [
            SectionBlock(text=MarkdownTextObject(text=escape(investigation_state(language, notice)))),
            ActionsBlock(
                block_id=f"alert_investigation:{case_id}",
                elements=[
                    _button(language, N_("Yes"), ACTION_ALERT_INVESTIGATION_YES, case_id),
                    _button(language, N_("No"), ACTION_ALERT_INVESTIGATION_NO, case_id),
                ],
            ),
        ]
    elif notice.asks_investigation:
        blocks.append(_context(investigation_state(language, notice)))
    buttons = [
        _button(language, label, action_id, case_id, style=style)
        for step, (label, action_id, style) in STEP_BUTTONS.items()
        if step in steps
    ]
    if buttons:
        blocks.append(ActionsBlock(block_id=f"alert:{case_id}", elements=buttons))
    # The notification text (what a phone shows) is the heading line: risk, student and rules, no more.
    return _content(heading, blocks[: MESSAGE_BLOCKS_MAX - 1])


def alert_metadata(case_id: int, language: str, channel: str, school: int | None = None) -> str:
    """What the resolve modal must remember: the case, the presser's language, where to answer,
    and the school the case belongs to (read back as untrusted, see `bot.schools`)."""
    data = {"alert": str(case_id), "lang": language, "channel": channel}
    return json.dumps(data | ({"school": str(school)} if school is not None else {}))


def _case_modal(
    language: str,
    callback: str,
    title: str,
    submit: str,
    heading: Message,
    metadata: str,
    inputs: list[Block],
) -> View:
    """A modal about one case: its heading (case, student, rules), then the inputs."""
    return _validated(
        View(
            type="modal",
            callback_id=callback,
            title=PlainTextObject(text=_g(language, title)[:24]),
            submit=PlainTextObject(text=_g(language, submit)[:24]),
            close=PlainTextObject(text=_g(language, N_("Cancel"))[:24]),
            private_metadata=metadata,
            blocks=[_heading(language, heading), *inputs],
        )
    )


def _heading(language: str, heading: Message) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=escape(translate(language, heading))))


def _choice(language: str, field: str, label: str, words: Mapping[str, str]) -> InputBlock:
    """A required choice among `words` (value: msgid), shown translated."""
    return InputBlock(
        block_id=field,
        label=_g(language, label),
        element=StaticSelectElement(
            action_id=field,
            placeholder=PlainTextObject(text=_g(language, N_("Choose"))),
            options=[
                Option(value=key, text=PlainTextObject(text=_g(language, text)[:75]))
                for key, text in words.items()
            ],
        ),
    )


def resolve_modal(language: str, heading: Message, metadata: str) -> View:
    """Resolve a case: what was done (one of the lifecycle's outcomes) and an optional follow-up date."""
    follow_up = InputBlock(
        block_id=FOLLOW_UP_FIELD,
        label=_g(language, N_("Follow-up date")),
        element=DatePickerElement(action_id=FOLLOW_UP_FIELD),
        optional=True,
        hint=PlainTextObject(text=_g(language, N_("Leave empty if there is no follow-up."))),
    )
    inputs: list[Block] = [_choice(language, OUTCOME_FIELD, N_("What was done?"), OUTCOME_WORDS), follow_up]
    title, submit = N_("Resolve case"), N_("Resolve")
    return _case_modal(language, RESOLVE_CALLBACK, title, submit, heading, metadata, inputs)


GOAL_HINT = N_("Only the team, coordinators and the people responsible read it.")


def plan_modal(language: str, heading: Message, metadata: str) -> View:
    """Record a case's plan: what is done, the review date, the people responsible, the goal."""
    kinds = {kind.value: words for kind, words in KIND_WORDS.items()}
    inputs: list[Block] = [
        _choice(language, PLAN_KIND_FIELD, N_("Plan: what is done?"), kinds),
        InputBlock(
            block_id=REVIEW_FIELD,
            label=_g(language, N_("Review date")),
            element=DatePickerElement(action_id=REVIEW_FIELD),
        ),
        InputBlock(
            block_id=RESPONSIBLE_FIELD,
            label=_g(language, N_("People responsible")),
            element=UserMultiSelectElement(action_id=RESPONSIBLE_FIELD),
            optional=True,
        ),
        InputBlock(
            block_id=GOAL_FIELD,
            label=_g(language, N_("Goal")),
            element=PlainTextInputElement(action_id=GOAL_FIELD, multiline=True, max_length=GOAL_MAX),
            hint=PlainTextObject(text=_g(language, GOAL_HINT)),
        ),
    ]
    title, submit = N_("Intervention plan"), N_("Record plan")
    return _case_modal(language, PLAN_CALLBACK, title, submit, heading, metadata, inputs)


def _submitted(state: object, fields: tuple[tuple[str, str], ...]) -> list[object]:
    """A submitted modal's raw values, one per (block and action id, value key); a select's option
    as its value; None for anything missing."""
    values = state.get("values") if isinstance(state, Mapping) else None
    found: list[object] = []
    for name, key in fields:
        block = values.get(name) if isinstance(values, Mapping) else None
        element = block.get(name) if isinstance(block, Mapping) else None
        value = element.get(key) if isinstance(element, Mapping) else None
        found.append(value.get("value") if isinstance(value, Mapping) else value)
    return found


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def plan_answers(state: object) -> tuple[str, str, list[str], str]:
    """The submitted plan modal's kind, review date, responsible user ids and goal ("" when unreadable)."""
    kind, review, users, goal = _submitted(
        state,
        (
            (PLAN_KIND_FIELD, "selected_option"),
            (REVIEW_FIELD, "selected_date"),
            (RESPONSIBLE_FIELD, "selected_users"),
            (GOAL_FIELD, "value"),
        ),
    )
    people = [user for user in users if isinstance(user, str)] if isinstance(users, list) else []
    return _text(kind), _text(review), people, _text(goal)


def resolve_answers(state: object) -> tuple[str, str]:
    """The submitted resolve modal's outcome key and follow-up date ("" for anything unreadable)."""
    fields = ((OUTCOME_FIELD, "selected_option"), (FOLLOW_UP_FIELD, "selected_date"))
    outcome, follow_up = _submitted(state, fields)
    return _text(outcome), _text(follow_up)


# --- the check-in modal -------------------------------------------------------------------------


def checkin_metadata(code: str, kind: str, prompt: str, language: str, school: int | None = None) -> str:
    """What the modal must remember between opening and submit (Slack echoes it back, signed).

    The language lets wrong answers be explained before the ack, without a database round trip;
    the school is the one the student belongs to (the same code may exist in another school).
    """
    data = {"code": code, "kind": kind, "prompt": prompt, "lang": language}
    return json.dumps(data | ({"school": str(school)} if school is not None else {}))


def read_metadata(raw: object) -> dict[str, str]:
    """The modal's metadata back; a malformed value gives an empty dict, never an exception."""
    try:
        data = json.loads(str(raw or ""))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _is_conditional(form_field: FormField) -> bool:
    # Slack cannot show a block only when another answer is yes without a round trip per click,
    # so conditional questions are shown as optional and `validate` ignores or requires them.
    return form_field.only_if is not None


def _field_element(language: str, form_field: FormField, start: int | None = None) -> Any:
    """The input for one field; `start`: a count's starting value (from the school's system)."""
    name = form_field.name
    if form_field.kind is FieldKind.YES_NO:
        return RadioButtonsElement(
            action_id=name,
            options=[
                Option(value="yes", text=PlainTextObject(text=_g(language, N_("Yes")))),
                Option(value="no", text=PlainTextObject(text=_g(language, N_("No")))),
            ],
        )
    if form_field.kind is FieldKind.COUNT:
        return NumberInputElement(
            action_id=name,
            is_decimal_allowed=False,
            min_value="0",
            max_value=str(form_field.maximum),
            initial_value=None if start is None else str(start),
        )
    if form_field.kind is FieldKind.RATING:
        return RadioButtonsElement(
            action_id=name,
            options=[
                Option(value=str(n), text=PlainTextObject(text=f"{n} · {_g(language, word)}"))
                for n, word in RATING_WORDS
            ],
        )
    if form_field.kind is FieldKind.CHOICE:
        return StaticSelectElement(
            action_id=name,
            placeholder=PlainTextObject(text=_g(language, N_("Choose"))),
            options=[
                Option(value=key, text=PlainTextObject(text=_g(language, label)[:75]))
                for key, label in form_field.choices
            ],
        )
    return PlainTextInputElement(
        action_id=name, multiline=form_field.maximum > 100, max_length=form_field.maximum
    )


def _field_hint(language: str, form_field: FormField) -> str | None:
    if _is_conditional(form_field):
        return _g(language, N_("Only needed when the answer above is yes or more than 0."))
    if form_field.kind is FieldKind.RATING:
        return _g(language, N_("Required when you met the student."))
    return None


def checkin_modal(
    language: str,
    code: str,
    label: str,
    kind: str = "adhoc",
    prompt: str = "",
    school: int | None = None,
    registered: Message | None = None,
    prefilled: Mapping[str, int] | None = None,
) -> View:
    """The form; where the school's system registered the days, its line on top and the absence
    answers starting from its figures (`OpenCheckIn.registered`, `.prefilled`)."""
    prefilled = prefilled or {}
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=mrkdwn(translate(language, msg(N_("Check-in for {student}"), student=label)))
            )
        )
    ]
    if registered is not None:
        line = f"*{escape(translate(language, registered))}*\n{escape(_g(language, CONFIRM_REGISTERED))}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=line)))
    for form_field in FIELDS:
        hint = _field_hint(language, form_field)
        blocks.append(
            InputBlock(
                block_id=form_field.name,
                label=_g(language, form_field.question)[:2000],
                element=_field_element(language, form_field, prefilled.get(form_field.name)),
                optional=(
                    form_field.optional or form_field.kind is FieldKind.RATING or _is_conditional(form_field)
                ),
                hint=PlainTextObject(text=hint) if hint else None,
            )
        )
    return _validated(
        View(
            type="modal",
            callback_id=CHECKIN_CALLBACK,
            title=PlainTextObject(text=_g(language, N_("Check-in"))[:24]),
            submit=PlainTextObject(text=_g(language, N_("Save"))),
            close=PlainTextObject(text=_g(language, N_("Cancel"))),
            private_metadata=checkin_metadata(code, kind, prompt, language, school),
            blocks=blocks,
        )
    )


def answers_from_state(state: object) -> dict[str, object]:
    """The submitted modal's values by field name, whatever element each field used.

    The payload is untrusted: anything missing or oddly shaped reads as "not answered", and
    `validate` then says what is wrong in the mentor's language.
    """
    answers: dict[str, object] = {}
    values = state.get("values") if isinstance(state, Mapping) else None
    if not isinstance(values, Mapping):
        return answers
    for form_field in FIELDS:
        block = values.get(form_field.name)
        element = block.get(form_field.name) if isinstance(block, Mapping) else None
        if not isinstance(element, Mapping):
            continue
        if "selected_option" in element:
            option = element.get("selected_option")
            answers[form_field.name] = option.get("value") if isinstance(option, Mapping) else None
        else:
            value = element.get("value")
            answers[form_field.name] = value if isinstance(value, str) else None
    return answers


def form_errors(language: str, errors: Mapping[str, Message]) -> dict[str, str]:
    """`response_action: errors` wants block_id -> text; our block ids are the field names."""
    return {name: translate(language, message)[:150] for name, message in errors.items()}


# --- the roster import modal --------------------------------------------------------------------


def school_metadata(school: int | None) -> str:
    """A modal's memory of the school it was opened in (read back as untrusted, see `bot.schools`)."""
    return json.dumps({"school": str(school)}) if school is not None else ""


def import_modal(language: str, metadata: str = "") -> View:
    return _validated(
        View(
            type="modal",
            callback_id=IMPORT_CALLBACK,
            private_metadata=metadata or None,
            title=PlainTextObject(text=_g(language, N_("Import students"))[:24]),
            submit=PlainTextObject(text=_g(language, N_("Import"))),
            close=PlainTextObject(text=_g(language, N_("Cancel"))),
            blocks=[
                SectionBlock(
                    text=MarkdownTextObject(
                        text=escape(
                            _g(
                                language,
                                N_(
                                    "One student per line: code,name,grade,class,mentor. Only the code is "
                                    "required; the mentor is a member ID (Profile → ⋮ → Copy member ID). "
                                    "Never personal identity numbers."
                                ),
                            )
                        )
                    )
                ),
                InputBlock(
                    block_id=ROSTER_FIELD,
                    label=_g(language, N_("Students")),
                    element=PlainTextInputElement(
                        action_id=ROSTER_FIELD,
                        multiline=True,
                        max_length=3000,
                        placeholder=PlainTextObject(text="7B-03,Alex,7,7B,U012AB3CD"),
                    ),
                ),
            ],
        )
    )


def roster_text(state: object) -> str:
    values = state.get("values") if isinstance(state, Mapping) else None
    block = values.get(ROSTER_FIELD) if isinstance(values, Mapping) else None
    element = block.get(ROSTER_FIELD) if isinstance(block, Mapping) else None
    value = element.get("value") if isinstance(element, Mapping) else None
    return value if isinstance(value, str) else ""


# --- App Home -----------------------------------------------------------------------------------


def home_view(language: str, summary: HomeSummary) -> View:
    blocks: list[Block] = [HeaderBlock(text=_g(language, N_("Your mentees")))]
    if not summary.caseload:
        blocks.append(_context(_g(language, "You have no mentees.")))
    for row in summary.caseload[:HOME_ROWS_MAX]:
        blocks.append(_caseload_section(language, summary.timezone, row))
    blocks.append(_context(_g(language, N_("Type /mentor help to see every command."))))
    school = summary.school
    if school is not None:
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text=_g(language, N_("The school"))))
        if school.unassigned is not None:
            without_mentor = _g(language, N_("Without a mentor"))
            unassigned = ", ".join(school.unassigned[:100]) or "-"
            blocks.append(_section([f"*{without_mentor}:* {unassigned}"], code=False))
        if school.overdue is not None:
            overdue_title = _g(language, N_("Overdue check-ins"))
            overdue = [
                f"{row.code} · @{row.mentor_user_id} · {local_date(language, row.due_at, summary.timezone)}"
                for row in school.overdue[:30]
            ] or ["-"]
            blocks.append(_section([f"*{overdue_title}:*", *overdue], code=False))
        # The text renderer already knows the words for case statuses and risk levels.
        alerts = render_reply(language, AlertList(summary.timezone, school.open_alerts))
        blocks.extend(_sections(alerts[:31]))
    return _validated(View(type="home", blocks=blocks[:VIEW_BLOCKS_MAX]))


def _caseload_section(language: str, timezone: str, row: CaseloadRow) -> SectionBlock:
    if row.last_check_in_at is None:
        last = _g(language, "never checked in")
    else:
        template = N_("last check-in {date}") if row.last_met else N_("last check-in {date} (did not meet)")
        last = translate(language, msg(template, date=local_date(language, row.last_check_in_at, timezone)))
    due = (
        translate(language, msg(N_("next due {when}"), when=local_time(language, row.next_due_at, timezone)))
        if row.next_due_at
        else _g(language, "no check-ins scheduled")
    )
    trend = f"{row.sparkline} {_g(language, DIRECTION_WORDS[row.direction])}" if row.sparkline else ""
    alerts = _g(language, N_("open case with the EHT")) if row.open_alerts else ""
    details = " · ".join(part for part in (last, due, alerts) if part)
    text = f"*{escape(row.label)}*  {escape(trend)}\n{escape(details)}"
    return SectionBlock(
        text=MarkdownTextObject(text=text),
        accessory=_button(language, N_("Check in"), ACTION_CHECKIN, row.code),
    )


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[PlainTextObject(text=text[:2000])])


def _validated(view: View) -> View:
    view.validate_json()  # raises SlackObjectFormationError before Slack would refuse it
    return view
