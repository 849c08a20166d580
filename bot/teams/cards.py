"""Adaptive Cards for Teams, built with the Teams SDK's card models from the handlers' results.

Buttons are `Action.Execute` (Teams' universal actions): a click arrives as an
`adaptiveCard/action` invoke carrying `data` below plus the card's inputs, and our answer can
replace the card in place (the check-in form becomes its confirmation). Every card also carries
its plain-text rendering as fallback, from `bot/render_text.py`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    Choice,
    ChoiceSetInput,
    DateInput,
    ExecuteAction,
    Fact,
    FactSet,
    Image,
    NumberInput,
    TextBlock,
    TextInput,
    ToggleInput,
)

from bot.i18n import gettext as _g
from bot.i18n import local_time, translate
from bot.render_text import (
    alert_lines,
    guardians_answer_hint,
    guardians_question,
    render_alert,
    render_content,
    render_help,
    render_reply,
    shown_commands,
)
from bot.reports.chat import month_chart, month_facts, month_heading
from bot.reports.text import Words
from handlers.checkin_form import CONFIRM_REGISTERED, FIELDS, RATING_WORDS, FieldKind, FormField
from handlers.commands import spec_named
from handlers.early_warning import OUTCOME_WORDS
from handlers.results import AlertNotice, AlertStep, DuePrompt, GuardiansToldQuestion, Help, MonthReport
from models.messages import N_, Message, msg
from models.plan import GOAL_MAX, KIND_WORDS

IMPORT_HELP = N_(
    "In Teams also: import, with the students pasted below it, registers many at once (coordinators)."
)
CARD_VERSION = "1.5"  # Teams renders 1.5; Action.Execute needs 1.4 or newer
VERB = "mentorbot"  # every Action.Execute of ours has this verb; `data["do"]` says what to do


def _card(body: list[Any], fallback: list[str], actions: list[Any] | None = None) -> AdaptiveCard:
    card = AdaptiveCard(version=CARD_VERSION, body=body, actions=actions or None)
    card.fallback_text = "\n".join(fallback)
    return card


def _text(text: str, **style: Any) -> TextBlock:
    return TextBlock(text=text, wrap=True, **style)


def _button(title: str, do: str, **data: Any) -> ExecuteAction:
    return ExecuteAction(title=title, verb=VERB, data={"do": do, **data})


def lines_card(lines: list[str]) -> AdaptiveCard:
    """Any reply as a card of text lines (lists keep their line breaks, which chat text would not)."""
    body = [_text(lines[0], weight="Bolder")] + [_text(line.strip(), spacing="None") for line in lines[1:]]
    return _card(body, lines)


def help_card(language: str, help_: Help) -> AdaptiveCard:
    fallback = render_help(language, help_.command, help_.hidden)
    if help_.command is not None:
        spec = spec_named(help_.command)
        return _card(
            [
                _text(_g(language, spec.usage), weight="Bolder", font_type="Monospace"),
                _text(_g(language, spec.summary)),
            ],
            fallback,
        )
    facts = [
        Fact(title=_g(language, spec.usage), value=_g(language, spec.summary))
        for spec in shown_commands(help_.hidden)
    ]
    return _card(
        [
            _text(_g(language, N_("What I can do")), size="Large", weight="Bolder"),
            _text(_g(language, N_("Write a command to me, with or without mentor first, e.g. mentees."))),
            FactSet(facts=facts),
            _text(_g(language, IMPORT_HELP)),
        ],
        fallback,
    )


def report_card(language: str, report: MonthReport) -> AdaptiveCard:
    """The key figures as facts, and the chart inline (a data: URI: Teams fetches nothing)."""
    words = Words(language)
    chart = month_chart(language, report)
    facts = [Fact(title=label, value=value) for label, value in month_facts(words, report)]
    image = "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")
    return _card(
        [
            _text(month_heading(words, report), weight="Bolder"),
            FactSet(facts=facts),
            _text(chart.title, weight="Bolder", spacing="Medium"),
            Image(url=image, alt_text=chart.alt, size="Stretch"),
        ],
        render_reply(language, report),
    )


def _field_label(language: str, form_field: FormField) -> str:
    label = _g(language, form_field.question)
    if form_field.only_if or form_field.only_if_any:
        label += " " + _g(language, N_("(only if it applies)"))
    return label


def _yes_no(language: str) -> list[Choice]:
    return [
        Choice(title=_g(language, N_("Yes")), value="yes"),
        Choice(title=_g(language, N_("No")), value="no"),
    ]


def _input(language: str, form_field: FormField, value: object) -> Any:
    """One form field as an Adaptive Card input; the server validates (`handlers.checkin_form`)."""
    label = _field_label(language, form_field)
    name = form_field.name
    shown = None if value is None else str(value)
    if form_field.kind is FieldKind.YES_NO and name == "concern":
        return ToggleInput(id=name, title=label, value_on="yes", value_off="no", value=shown or "no")
    if form_field.kind is FieldKind.YES_NO:
        return ChoiceSetInput(id=name, label=label, style="expanded", choices=_yes_no(language), value=shown)
    if form_field.kind is FieldKind.COUNT:
        number = shown.strip() if shown is not None else "0"
        # A wrong answer that is not a number cannot be shown in a number field; its error is.
        start = int(number) if number.lstrip("-").isdigit() and len(number) < 6 else None
        return NumberInput(id=name, label=label, min=0, max=form_field.maximum, value=start)
    if form_field.kind is FieldKind.RATING:
        choices = [Choice(title=f"{n} {_g(language, word)}", value=str(n)) for n, word in RATING_WORDS]
        return ChoiceSetInput(id=name, label=label, choices=choices, value=shown)
    if form_field.kind is FieldKind.CHOICE:
        choices = [Choice(title=_g(language, text), value=key) for key, text in form_field.choices]
        return ChoiceSetInput(id=name, label=label, choices=choices, value=shown)
    return TextInput(
        id=name, label=label, max_length=form_field.maximum, is_multiline=name == "note", value=shown
    )


def check_in_form(
    language: str,
    code: str,
    label: str,
    kind: str,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, Message] | None = None,
    registered: Message | None = None,
) -> AdaptiveCard:
    """The form from `handlers.checkin_form.FIELDS`; after wrong answers, with them kept and explained.

    Opened where the school's system registered the days, `registered` is its line on top and
    `values` the absence answers it gives (`OpenCheckIn.prefilled`), to confirm or correct."""
    values, errors = values or {}, errors or {}
    title = translate(language, msg(N_("Check-in for {student}"), student=label))
    body: list[Any] = [_text(title, size="Medium", weight="Bolder")]
    if registered is not None:
        body.append(_text(translate(language, registered), weight="Bolder"))
        body.append(_text(_g(language, CONFIRM_REGISTERED), spacing="None"))
    if errors:
        body.append(_text(_g(language, N_("Some answers need another look:")), color="Attention"))
    for form_field in FIELDS:
        body.append(_input(language, form_field, values.get(form_field.name)))
        if form_field.name in errors:
            body.append(
                _text(translate(language, errors[form_field.name]), color="Attention", spacing="None")
            )
    save = _button(_g(language, N_("Save check-in")), "checkin.submit", code=code, kind=kind, label=label)
    save.style = "positive"
    return _card(body, [title], [save])


def guardians_card(language: str, question: GuardiansToldQuestion) -> AdaptiveCard:
    """Skollagen 7 kap. 17 §: were the guardians told that day? Yes or No; typed in the fallback."""
    text, hint = guardians_question(language, question), guardians_answer_hint(language, question)
    if question.told is not None:
        return _card([_text(text), _text(hint, weight="Bolder")], [text, hint])  # answered: no buttons
    told = [
        _button(_g(language, word), "guardians.told", question=question.question_id, told=answer)
        for word, answer in ((N_("Yes"), True), (N_("No"), False))
    ]
    return _card([_text(text), ActionSet(actions=told)], [text, hint])


def confirmation_card(language: str, lines: list[str]) -> AdaptiveCard:
    """What replaces the form once the check-in is saved."""
    return _card(
        [_text("✓ " + lines[0], weight="Bolder", color="Good")] + [_text(t) for t in lines[1:]], lines
    )


def prompt_card(language: str, prompt: DuePrompt) -> AdaptiveCard:
    header = N_("Reminder: these check-ins are still open:") if prompt.reminder else N_("Time to check in:")
    body: list[Any] = [_text(_g(language, header), weight="Bolder")]
    for mentee in prompt.mentees:
        due = local_time(language, mentee.due_at, prompt.timezone)
        body.append(_text(f"{mentee.label} ({due})"))
        body.append(
            ActionSet(
                actions=[
                    _button(_g(language, N_("Check in")), "checkin.open", code=mentee.code),
                    _button(_g(language, N_("Snooze")), "snooze", code=mentee.code),
                    _button(_g(language, N_("Did not meet")), "notmet", code=mentee.code),
                ]
            )
        )
    return _card(body, render_content(language, prompt))


# The buttons for a case's next steps (`AlertNotice.next_steps`); Resolve has its inputs with it.
STEP_BUTTONS = {
    AlertStep.ACKNOWLEDGE: (N_("Acknowledge"), "alert.ack"),
    AlertStep.TAKE_OWNERSHIP: (N_("Take ownership"), "alert.own"),
}


# The heading's colour by risk level: the level is seen before anything is read.
RISK_COLOURS = {"urgent": "Attention", "at_risk": "Warning", "watch": "Accent"}


def alert_card(language: str, notice: AlertNotice) -> AdaptiveCard:
    """A student's case with buttons for its next steps; never the mentor's note or strengths."""
    lines = alert_lines(language, notice)
    colour = "Good" if notice.status == "resolved" else RISK_COLOURS.get(notice.risk, "Attention")
    body: list[Any] = [_text(lines[0], weight="Bolder", color=colour)]
    body += [_text(line, spacing="Small") for line in lines[1:]]
    # The card's buttons carry the case's number as `alert`, the name they have always had.
    case_id = notice.case_id
    steps = notice.next_steps
    if AlertStep.ANSWER_INVESTIGATION in steps:
        body.append(
            ActionSet(
                actions=[
                    _button(
                        _g(language, N_("Investigation started")),
                        "alert.investigation",
                        alert=case_id,
                        started=True,
                    ),
                    _button(
                        _g(language, N_("Not started")), "alert.investigation", alert=case_id, started=False
                    ),
                ]
            )
        )
    buttons = [
        _button(_g(language, label), do, alert=case_id)
        for step, (label, do) in STEP_BUTTONS.items()
        if step in steps
    ]
    if buttons:
        body.append(ActionSet(actions=buttons))
    if AlertStep.PLAN in steps:
        kinds = [Choice(title=_g(language, text), value=kind.value) for kind, text in KIND_WORDS.items()]
        body += [
            ChoiceSetInput(id="plan_kind", label=_g(language, N_("Plan: what is done?")), choices=kinds),
            DateInput(id="review_on", label=_g(language, N_("Review date"))),
            TextInput(id="goal", label=_g(language, N_("Goal")), max_length=GOAL_MAX, is_multiline=True),
            ActionSet(actions=[_button(_g(language, N_("Record plan")), "alert.plan", alert=case_id)]),
        ]
    if AlertStep.RESOLVE in steps:
        outcomes = [Choice(title=_g(language, text), value=key) for key, text in OUTCOME_WORDS.items()]
        body += [
            ChoiceSetInput(id="outcome", label=_g(language, N_("What was done?")), choices=outcomes),
            DateInput(id="follow_up", label=_g(language, N_("Follow-up date (optional)"))),
            ActionSet(actions=[_button(_g(language, N_("Resolve")), "alert.resolve", alert=case_id)]),
        ]
    # The fallback, for a client that cannot show cards (nor press their buttons), has the typed commands.
    return _card(body, render_alert(language, notice))


def as_attachment(card: AdaptiveCard) -> dict[str, Any]:
    return {"contentType": "application/vnd.microsoft.card.adaptive", "content": card_json(card)}


def card_json(card: AdaptiveCard) -> dict[str, Any]:
    return card.model_dump(mode="json", by_alias=True, exclude_none=True)
