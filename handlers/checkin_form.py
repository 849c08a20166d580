"""The check-in form, defined once: its questions, their order, and how answers are validated.

Slack builds a modal from these fields, Teams an Adaptive Card, the console asks them one by one;
all of them hand the raw answers to `validate`, so the rules cannot drift apart.

Where the school's system registered the student's days, the absence questions start from what it
registered (`registered_answers`, `registered_line`): the mentor confirms or corrects instead of
counting, and every platform shows the same line and the same starting values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from handlers.typed_fields import UNREADABLE
from models.checkin import ConcernDomain
from models.messages import N_, Message, listing, msg
from models.personnummer import redact_personnummer
from models.rules import LESSON_MINUTES, RegisteredDay
from models.typed_text import unreadable


class FieldKind(StrEnum):
    YES_NO = "yes_no"
    COUNT = "count"
    RATING = "rating"
    CHOICE = "choice"
    TEXT = "text"


@dataclass(frozen=True)
class FormField:
    name: str
    kind: FieldKind
    question: str
    maximum: int = 0  # counts: the highest sane value; texts: the longest answer
    optional: bool = False
    # Asked only when this other yes/no or count field is truthy.
    only_if: str | None = None
    # Asked only when at least one of these fields is truthy (e.g. any unexcused absence).
    only_if_any: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()


RATING_WORDS = (
    (1, N_("very worrying")),
    (2, N_("worrying")),
    (3, N_("okay")),
    (4, N_("good")),
    (5, N_("very good")),
)

CONCERN_DOMAINS = (
    (ConcernDomain.INDIVIDUAL.value, N_("the student (individual)")),
    (ConcernDomain.HOME.value, N_("home and family")),
    (ConcernDomain.SCHOOL.value, N_("school")),
)

# The word a person types for each choice (Swedish in core.po; `_CHOICE_ALIASES` accepts it back).
CHOICE_WORDS = {
    ConcernDomain.INDIVIDUAL.value: N_("individual"),
    ConcernDomain.HOME.value: N_("home"),
    ConcernDomain.SCHOOL.value: N_("school"),
}

STRENGTHS_MAX = 300
NOTE_MAX = 1000

FIELDS: tuple[FormField, ...] = (
    FormField("met", FieldKind.YES_NO, N_("Did you meet the student since the last check-in?")),
    FormField("absent_days", FieldKind.COUNT, N_("Full days absent since the last check-in?"), maximum=60),
    FormField(
        "unexcused_days",
        FieldKind.COUNT,
        N_("Of those days, how many were unexcused?"),
        maximum=60,
        only_if="absent_days",
    ),
    FormField(
        "absent_lessons",
        FieldKind.COUNT,
        N_("Single lessons missed (besides full days)?"),
        maximum=300,
    ),
    FormField(
        "unexcused_lessons",
        FieldKind.COUNT,
        N_("Of those lessons, how many were unexcused?"),
        maximum=300,
        only_if="absent_lessons",
    ),
    FormField(
        "guardians_told",
        FieldKind.YES_NO,
        N_("Unexcused absence: were the guardians told today? (Skollagen 7 kap. 17 §)"),
        optional=True,
        only_if_any=("unexcused_days", "unexcused_lessons"),
    ),
    FormField("late_arrivals", FieldKind.COUNT, N_("Late arrivals since the last check-in?"), maximum=100),
    FormField(
        "behavioural",
        FieldKind.RATING,
        N_("Behavioural engagement: present, active in lessons, completes tasks?"),
    ),
    FormField(
        "academic",
        FieldKind.RATING,
        N_("Academic engagement: how is school work and homework going?"),
    ),
    FormField(
        "cognitive",
        FieldKind.RATING,
        N_("Cognitive engagement: sees meaning in school, a link to future goals?"),
    ),
    FormField(
        "affective",
        FieldKind.RATING,
        N_("Affective engagement: belonging, good relationships, feels safe?"),
    ),
    FormField(
        "strengths",
        FieldKind.TEXT,
        N_("What went well? (strengths, short)"),
        maximum=STRENGTHS_MAX,
        optional=True,
    ),
    FormField(
        "concern",
        FieldKind.YES_NO,
        N_("Do you want to raise a concern with the student health team?"),
    ),
    FormField(
        "concern_domain",
        FieldKind.CHOICE,
        N_("What is the concern about?"),
        only_if="concern",
        choices=CONCERN_DOMAINS,
    ),
    FormField(
        "note",
        FieldKind.TEXT,
        N_("Note (optional, kept encrypted, never shared in channels)"),
        maximum=NOTE_MAX,
        optional=True,
    ),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
# A part cannot be more than its whole: unexcused days of the days absent, unexcused lessons of the
# lessons missed. Checked at the part's own question, against the answer just given.
PART_OF = {"unexcused_days": "absent_days", "unexcused_lessons": "absent_lessons"}

_YES = {"y", "yes", "j", "ja", "true", "1"}
_NO = {"n", "no", "nej", "false", "0"}
_SKIP = {"", "-"}
_CHOICE_ALIASES = {
    "individ": "individual",
    "hem": "home",
    "familj": "home",
    "family": "home",
    "skola": "school",
    "skolan": "school",
}

Answer = bool | int | str | None

# The absence questions the school's system answers, in the form's order, each in words for one
# and for several.
REGISTERED_FIELDS = {
    "absent_days": (N_("1 day absent"), N_("{count} days absent")),
    "unexcused_days": (N_("1 unexcused day"), N_("{count} unexcused days")),
    "absent_lessons": (N_("1 lesson missed"), N_("{count} lessons missed")),
    "unexcused_lessons": (N_("1 unexcused lesson"), N_("{count} unexcused lessons")),
    "late_arrivals": (N_("1 late arrival"), N_("{count} late arrivals")),
}
CONFIRM_REGISTERED = N_(
    "The absence answers start from these figures: confirm them, or correct them where you know better."
)


def registered_answers(days: Iterable[RegisteredDay]) -> dict[str, int]:
    """The absence answers registered school days give: full days away (unexcused when any of the
    day was), lessons missed on the other days (an hour each, rounded up per day, as the rules count
    them) and late arrivals; each within what the form accepts."""
    answers = dict.fromkeys(REGISTERED_FIELDS, 0)
    for day in days:
        if day.full_day:
            answers["absent_days"] += 1
            answers["unexcused_days"] += day.unexcused_minutes > 0
        else:
            answers["absent_lessons"] += -(-day.absent_minutes // LESSON_MINUTES)
            answers["unexcused_lessons"] += -(-day.unexcused_minutes // LESSON_MINUTES)
        answers["late_arrivals"] += day.late_arrivals
    for name in REGISTERED_FIELDS:
        answers[name] = min(answers[name], FIELDS_BY_NAME[name].maximum)
    for part, whole in PART_OF.items():
        answers[part] = min(answers[part], answers[whole])
    return answers


def registered_figures(answers: Mapping[str, int]) -> Message:
    """The registered absence in words: "3 days absent, 2 unexcused lessons, 1 late arrival"."""
    parts = [
        msg(one if answers[name] == 1 else several, count=answers[name])
        for name, (one, several) in REGISTERED_FIELDS.items()
        if answers.get(name)
    ]
    return listing(parts) if parts else msg(N_("no absence and no late arrivals"))


def registered_line(source: str, answers: Mapping[str, int], last_check_in: date | None) -> Message:
    """One line above the form: the source, what it registered, over which days."""
    figures = registered_figures(answers)
    if last_check_in is None:
        return msg(N_("{source}: {figures} in the last school week."), source=source, figures=figures)
    return msg(
        N_("{source}: {figures} since the last check-in ({day})."),
        source=source,
        figures=figures,
        day=last_check_in,
    )


class InvalidCheckIn(Exception):
    """One or more answers are wrong; `errors` maps field names to what to tell the mentor."""

    def __init__(self, errors: dict[str, Message]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def is_asked(form_field: FormField, answers: Mapping[str, Answer]) -> bool:
    if form_field.only_if is not None and not answers.get(form_field.only_if):
        return False
    return not form_field.only_if_any or any(answers.get(name) for name in form_field.only_if_any)


def is_optional(form_field: FormField, answers: Mapping[str, Answer]) -> bool:
    # Without contact the mentor may not be able to judge engagement.
    return form_field.optional or (form_field.kind is FieldKind.RATING and answers.get("met") is False)


def parse_field(form_field: FormField, raw: object, answers: Mapping[str, Answer]) -> Answer:
    """One answer as typed or clicked, to its value; raises ValueError carrying a Message."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or (isinstance(raw, str) and raw in _SKIP and form_field.kind is not FieldKind.TEXT):
        if is_optional(form_field, answers):
            return None
        raise ValueError(msg(N_("Please answer this question.")))
    if form_field.kind is FieldKind.YES_NO:
        return _parse_yes_no(raw)
    if form_field.kind is FieldKind.COUNT:
        count = _parse_int(raw, 0, form_field.maximum)
        whole = PART_OF.get(form_field.name)
        total = (answers.get(whole) or 0) if whole else count
        if isinstance(total, int) and count > total:
            raise ValueError(msg(N_("Cannot be more than the absences given ({total})."), total=total))
        return count
    if form_field.kind is FieldKind.RATING:
        return _parse_int(raw, 1, 5)
    if form_field.kind is FieldKind.CHOICE:
        value = _CHOICE_ALIASES.get(str(raw).lower(), str(raw).lower())
        allowed = [key for key, _ in form_field.choices]
        if value not in allowed:
            words = listing(msg(CHOICE_WORDS.get(key, key)) for key in allowed)
            raise ValueError(msg(N_("Choose one of: {choices}."), choices=words))
        return value
    text = " ".join(str(raw).split()) if form_field.name == "strengths" else str(raw).strip()
    if unreadable(text):
        raise ValueError(msg(UNREADABLE))
    if len(text) > form_field.maximum:
        raise ValueError(msg(N_("Keep it short: at most {max} characters."), max=form_field.maximum))
    return text


def _given(raw: object) -> bool:
    return raw is not None and str(raw).strip() not in _SKIP


def _parse_yes_no(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(msg(N_("Answer yes or no.")))


def _parse_int(raw: object, low: int, high: int) -> int:
    if isinstance(raw, bool):
        raise ValueError(msg(N_("Enter a whole number from {low} to {high}."), low=low, high=high))
    try:
        value = int(raw) if isinstance(raw, int) else int(str(raw), 10)
    except ValueError:
        raise ValueError(msg(N_("Enter a whole number from {low} to {high}."), low=low, high=high)) from None
    if not low <= value <= high:
        raise ValueError(msg(N_("Enter a whole number from {low} to {high}."), low=low, high=high))
    return value


@dataclass
class CheckInAnswers:
    values: dict[str, Answer]
    warnings: list[Message] = field(default_factory=list)


def validate(raw_answers: Mapping[str, object]) -> CheckInAnswers:
    """Check every answer and the rules between them; collect all errors, not just the first."""
    values: dict[str, Answer] = {}
    errors: dict[str, Message] = {}
    for form_field in FIELDS:
        name, raw = form_field.name, raw_answers.get(form_field.name)
        values[name] = None
        if is_asked(form_field, values):
            try:
                values[name] = parse_field(form_field, raw, values)
            except ValueError as exc:
                errors[name] = exc.args[0]
        elif name in PART_OF and _given(raw) and PART_OF[name] not in errors:
            # A form that shows every field (Slack, Teams) may say "2 unexcused" of no absences:
            # that contradiction is a question to the mentor, not an answer to drop.
            try:
                parse_field(form_field, raw, values)
            except ValueError as exc:
                errors[name] = exc.args[0]
    if errors:
        raise InvalidCheckIn(errors)
    warnings: list[Message] = []
    for name in ("strengths", "note"):
        text, count = redact_personnummer(str(values.get(name) or ""))
        if count:
            warnings.append(msg(N_("A personal identity number was removed from your text before saving.")))
        values[name] = text
    return CheckInAnswers(values, warnings[:1])
