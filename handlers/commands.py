"""The one command language every platform speaks: the Slack /mentor text, a Teams message, a console line.

`parse` turns a line into an `Invocation` (which use case, with which arguments) or refuses with
the closest command's usage. Mentions arrive as `@anna`, or Slack-escaped as `<@U123|anna>`.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from handlers import (
    agenda,
    alerts,
    attendance_source,
    checkins,
    corrections,
    guardians,
    mentorships,
    plans,
    privacy,
    programme,
    prompts,
    roles,
    schedule,
    schools,
    students,
    thresholds,
)
from handlers.actors import SchoolDefaults, sees_several_schools
from handlers.reports.month import month_report
from handlers.results import Help, Outcome
from handlers.typed_fields import NOT_A_PERSONNUMMER, UNREADABLE, check_name
from models import Member, Person
from models.messages import N_, Refused
from models.typed_text import typed_id_is_personnummer, unreadable, usable_id, without_unreadable

# A use case with its arguments bound: run with the session, the acting member and the caller's now.
Action = Callable[[Session, Member, datetime], Outcome]


@dataclass(frozen=True)
class PersonAction:
    """A use case on the organisation, not inside one school (schools, school NAME, school add, help):
    run with the Person, so it answers someone who acts in no school yet, and sees no child's data."""

    run: Callable[[Session, Person, datetime], Outcome]


def refusing(refusal: Refused) -> PersonAction:
    """An action that only answers with the refusal: a line that did not parse is answered in the
    person's language even where they act in no school."""

    def answer(_session: Session, _person: Person, _now: datetime) -> Outcome:
        raise refusal

    return PersonAction(answer)


Binder = Callable[[list[str], SchoolDefaults], "Action | PersonAction"]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    spellings: tuple[str, ...]
    usage: str
    summary: str
    bind: Binder

    @property
    def reads(self) -> bool:
        """Only reads (or opens a form): answered at once, in the platform's reply to the request."""
        return self.name in READING


# The commands that change nothing a person asked to change: they are answered in the request's own
# response (Slack's ack), while everything else is queued as a job and done after the ack
# (`handlers/jobs.py`). `checkin` only opens the form; `agenda` records when the meeting was held.
READING = frozenset(
    {
        "help",
        "student export",
        "students",
        "students removed",
        "mentees",
        "checkin",
        "alerts",
        "plan show",
        "history",
        "thresholds",
        "attendance",
        "break list",
        "retention",
        "schools",
        "programme",
    }
)


_MENTION = re.compile(r"^<@([A-Za-z0-9._-]+)(?:\|([^>]*))?>$|^@([\wÅÄÖåäö.-]+)$")
_CHANNEL = re.compile(r"^<#([A-Za-z0-9._-]+)(?:\|([^>]*))?>$|^#([\wÅÄÖåäö.-]+)$")
# Options of the student commands, in English and Swedish.
_OPTION_NAMES = {
    "name": "name",
    "namn": "name",
    "grade": "grade",
    "årskurs": "grade",
    "arskurs": "grade",
    "class": "class",
    "klass": "class",
    "id": "person_id",
}
# After a student's code a bare number is the grade and a number with letters (7B, 9ab) the class.
_NUMBER = re.compile(r"^\d+$")
_CLASS = re.compile(r"^\d{1,2}[A-Za-zÅÄÖåäö]{1,4}$")
_CODE_SEPARATORS = ("-", "_", ".")


def _id(value: str, typed: bool) -> str:
    """An id from a mention: ValueError when it cannot be one; a typed name (`@anna`, not Slack's
    `<@U123>`) that looks like a personal identity number is refused outright."""
    if not usable_id(value):
        raise ValueError(value)
    if typed and typed_id_is_personnummer(value):
        raise Refused(NOT_A_PERSONNUMMER)
    return value


def parse_mention(token: str) -> tuple[str, str]:
    """A user mention to (user id, display name)."""
    match = _MENTION.match(token)
    if not match:
        raise ValueError(token)
    if match.group(1):
        return _id(match.group(1), typed=False), match.group(2) or ""
    return _id(match.group(3), typed=True), match.group(3)


def parse_channel(token: str) -> str:
    match = _CHANNEL.match(token)
    if not match:
        raise ValueError(token)
    return _id(match.group(1), typed=False) if match.group(1) else _id(match.group(3), typed=True)


def _usage(name: str) -> Refused:
    return Refused(N_("That is not quite right."), usage=name)


def _exactly(args: list[str], count: int, name: str) -> list[str]:
    if len(args) != count:
        raise _usage(name)
    return args


@dataclass
class _StudentFields:
    name: str | None = None
    grade: int | None = None
    class_name: str | None = None
    person_id: str | None = None


def _student_fields(tokens: list[str], command: str, *, bare_name: bool) -> _StudentFields:
    """What follows a student's code: `Åsa Öberg 7 7B`, or options `name=Åsa Öberg grade=7 class=7B`.

    A bare number is the grade, a number with letters the class; `name=` takes the words up to the
    next option, so quotes are only needed for a name with digits. `bare_name`: plain words are the
    name (student add); otherwise a name needs `name=` (student edit), so a stray word is refused.
    """
    bare: list[str] = []
    named: list[str] | None = None
    after_name = False
    grades: list[str] = []
    classes: list[str] = []
    person_ids: list[str] = []
    for token in tokens:
        if "=" in token:
            key, _, value = token.partition("=")
            field = _OPTION_NAMES.get(key.lower())
            if field is None:
                check_name(key)  # the refusal names the option: never an identity number
                raise Refused(
                    N_("I do not know the option \u201c{option}=\u201d. Use name=, grade=, class= or id=."),
                    usage=command,
                    option=key[:20],
                )
            after_name = field == "name"
            if field == "person_id":
                person_ids.append(value)
            elif field == "name":
                if named is not None:
                    raise Refused(N_("Give the name only once."), usage=command)
                named = [value] if value else []
            else:
                (grades if field == "grade" else classes).append(value)
        elif _NUMBER.match(token):
            grades.append(token)
        elif _CLASS.match(token):
            classes.append(token)
        elif after_name and named is not None:
            named.append(token)
        elif bare_name:
            bare.append(token)
        else:
            raise Refused(
                N_("To change the name, write name= before it, for example: name=Åsa Öberg"), usage=command
            )
    if bare and named is not None:
        raise Refused(N_("Give the name only once."), usage=command)
    if len(grades) > 1:
        raise Refused(N_("Give the grade only once."), usage=command)
    if len(classes) > 1:
        raise Refused(N_("Give the class only once."), usage=command)
    if len(person_ids) > 1:
        raise Refused(N_("Give the person id only once."), usage=command)
    if grades and not (_NUMBER.match(grades[0]) and 5 <= int(grades[0]) <= 9):
        check_name(grades[0])  # a long number may be a personal identity number: say so first
        raise Refused(N_("The grade must be between 5 and 9."), usage=command)
    name = " ".join(named) if named is not None else " ".join(bare) if bare else None
    return _StudentFields(
        name=name,
        grade=int(grades[0]) if grades else None,
        class_name=classes[0] if classes else None,
        person_id=person_ids[0] if person_ids else None,
    )


def _bind_help(args: list[str], defaults: SchoolDefaults) -> PersonAction:
    topic = " ".join(args).lower()
    spec = find_spec(topic) if topic else None

    def show(session: Session, person: Person, _now: datetime) -> Outcome:
        # Schools are a concept only where someone works in (or administers) several.
        hidden = () if person.is_admin or sees_several_schools(session, person) else SCHOOL_COMMANDS
        if not programme.leads_programme(session, person, defaults.programme_leads):
            hidden += ("programme",)
        return Outcome(reply=[Help(spec.name if spec else None, hidden=hidden)])

    return PersonAction(show)


def _bind_student_add(args: list[str], _c: SchoolDefaults) -> Action:
    if not args:
        raise _usage("student add")
    code, rest = args[0], args[1:]
    if rest and _NUMBER.match(rest[0]) and not any(sep in code for sep in _CODE_SEPARATORS):
        # `student add 7B 09 Ali`: the code was typed with a space where its dash belongs.
        check_name(rest[0])  # never echo a personal identity number back as a code
        raise Refused(
            N_("A student code cannot contain a space. Did you mean {code}?"),
            usage="student add",
            code=f"{code}-{rest[0]}".upper()[:30],
        )
    fields = _student_fields(rest, "student add", bare_name=True)
    if fields.person_id is not None:
        raise Refused(
            N_("Add the student first, then set the person id with student edit."), usage="student edit"
        )
    return partial(
        students.add_student,
        code=code,
        name=fields.name,
        grade=fields.grade,
        class_name=fields.class_name,
    )


def _bind_student_edit(args: list[str], _c: SchoolDefaults) -> Action:
    if not args:
        raise _usage("student edit")
    fields = _student_fields(args[1:], "student edit", bare_name=False)
    return partial(
        students.edit_student,
        code=args[0],
        name=fields.name,
        grade=fields.grade,
        class_name=fields.class_name,
        person_id=fields.person_id,
    )


def _bind_code(function: Callable[..., Outcome], name: str) -> Binder:
    def bind(args: list[str], _c: SchoolDefaults) -> Action:
        (code,) = _exactly(args, 1, name)
        return partial(function, code=code)

    return bind


def _bind_no_args(function: Callable[..., Outcome], name: str) -> Binder:
    def bind(args: list[str], _c: SchoolDefaults) -> Action:
        _exactly(args, 0, name)
        return function

    return bind


def _bind_assign(args: list[str], _c: SchoolDefaults) -> Action:
    code, mention = _exactly(args, 2, "assign")
    try:
        user_id, name = parse_mention(mention)
    except ValueError:
        raise _usage("assign") from None
    return partial(mentorships.assign, code=code, mentor_user_id=user_id, mentor_name=name)


def _bind_mentees(args: list[str], _c: SchoolDefaults) -> Action:
    if len(args) > 1:
        raise _usage("mentees")
    if not args:
        return mentorships.mentees
    try:
        user_id, _name = parse_mention(args[0])
    except ValueError:
        raise _usage("mentees") from None
    return partial(mentorships.mentees, mentor_user_id=user_id)


def _bind_eht(args: list[str], _c: SchoolDefaults) -> Action:
    (channel,) = _exactly(args, 1, "eht")
    try:
        channel_id = parse_channel(channel)
    except ValueError:
        raise _usage("eht") from None
    return partial(roles.set_eht_channel, channel_id=channel_id)


def _bind_role(granted: bool, name: str) -> Binder:
    def bind(args: list[str], defaults: SchoolDefaults) -> Action:
        mention, role_name = _exactly(args, 2, name)
        try:
            user_id, _display = parse_mention(mention)
        except ValueError:
            raise _usage(name) from None
        role = roles.ROLE_NAMES.get(role_name.lower())
        if role is None:
            raise _usage(name)
        return partial(
            roles.change_role,
            user_id=user_id,
            role=role,
            granted=granted,
            configured_coordinators=defaults.coordinators,
        )

    return bind


_CASE_ID = re.compile(r"^#?(\d{1,9})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YES = {"yes", "ja", "y", "j"}
_NO = {"no", "nej", "n"}


def _case_id(token: str, name: str) -> int:
    match = _CASE_ID.match(token)
    if not match:
        raise Refused(N_("A case is named by its number, for example 12 or #12."), usage=name)
    return int(match.group(1))


def _bind_alert(function: Callable[..., Outcome], name: str) -> Binder:
    """A step on a case: its number, and for a step that may set one, an optional follow-up date."""

    def bind(args: list[str], _c: SchoolDefaults) -> Action:
        if name in ("alert ack", "alert own") and len(args) == 2:
            return partial(function, case_id=_case_id(args[0], name), follow_up_on=_date_of(args[1], name))
        (token,) = _exactly(args, 1, name)
        return partial(function, case_id=_case_id(token, name))

    return bind


_FOLLOW_UP_DATE = N_("Write the follow-up date as YYYY-MM-DD, for example 2026-03-15.")
_REVIEW_DATE = N_("Write the review date as YYYY-MM-DD, for example 2026-03-15.")


def _date_of(token: str, name: str, problem: str = _FOLLOW_UP_DATE) -> date:
    try:
        if not _DATE.match(token):
            raise ValueError(token)
        return date.fromisoformat(token)
    except ValueError:
        raise Refused(problem, usage=name) from None


def _bind_plan(args: list[str], _c: SchoolDefaults) -> Action:
    """`plan ID KIND YYYY-MM-DD [@person ...] goal`: the people named first are responsible."""
    if len(args) < 4:
        raise _usage("plan")
    case_id = _case_id(args[0], "plan")
    kind = plans.KIND_NAMES.get(args[1].lower())
    if kind is None:
        raise Refused(N_("Say what kind of plan: {kinds}."), usage="plan", kinds=plans.KIND_CHOICES)
    review_on = _date_of(args[2], "plan", _REVIEW_DATE)
    rest = args[3:]
    people: list[tuple[str, str]] = []
    while rest:
        try:
            people.append(parse_mention(rest[0]))
        except ValueError:
            break
        rest = rest[1:]
    goal = " ".join(rest)
    return partial(
        plans.record_plan,
        case_id=case_id,
        kind=kind,
        review_on=review_on,
        goal=goal,
        responsible=tuple(people),
    )


def _bind_plan_show(args: list[str], _c: SchoolDefaults) -> Action:
    (which,) = _exactly(args, 1, "plan show")
    return partial(plans.show_plan, which=which)


def _bind_plan_continue(args: list[str], _c: SchoolDefaults) -> Action:
    token, day = _exactly(args, 2, "plan continue")
    case_id, review_on = _case_id(token, "plan continue"), _date_of(day, "plan continue", _REVIEW_DATE)
    return partial(plans.continue_plan, case_id=case_id, review_on=review_on)


def _bind_plan_close(args: list[str], _c: SchoolDefaults) -> Action:
    token, answer = _exactly(args, 2, "plan close")
    result = plans.RESULT_NAMES.get(answer.lower())
    if result is None:
        raise Refused(
            N_("Say whether the goal was met: {results}."), usage="plan close", results=plans.RESULT_CHOICES
        )
    return partial(plans.close_plan, case_id=_case_id(token, "plan close"), result=result)


def _bind_alert_resolve(args: list[str], _c: SchoolDefaults) -> Action:
    if len(args) > 2 and f"{args[1]}_{args[2]}".lower() in alerts.OUTCOME_NAMES:
        args = [args[0], f"{args[1]}_{args[2]}", *args[3:]]  # typed with a space: "inte relevant"
    if len(args) not in (2, 3):
        raise _usage("alert resolve")
    case_id = _case_id(args[0], "alert resolve")
    outcome = alerts.OUTCOME_NAMES.get(args[1].lower())
    if outcome is None:
        raise Refused(
            N_("Say what was done: {outcomes}."),
            usage="alert resolve",
            outcomes=alerts.OUTCOME_CHOICES,
        )
    follow_up = _date_of(args[2], "alert resolve") if len(args) == 3 else None
    return partial(alerts.resolve, case_id=case_id, outcome=outcome, follow_up_on=follow_up)


def _bind_alert_investigation(args: list[str], _c: SchoolDefaults) -> Action:
    token, answer = _exactly(args, 2, "alert investigation")
    case_id = _case_id(token, "alert investigation")
    if answer.lower() not in _YES | _NO:
        raise _usage("alert investigation")
    return partial(alerts.record_investigation, case_id=case_id, started=answer.lower() in _YES)


def _bind_guardians(args: list[str], _c: SchoolDefaults) -> Action:
    token, answer = _exactly(args, 2, "guardians")
    match = _CASE_ID.match(token)
    if not match or answer.lower() not in _YES | _NO:
        raise _usage("guardians")
    return partial(
        guardians.record_guardians_told, question_id=int(match.group(1)), told=answer.lower() in _YES
    )


def _bind_threshold_set(args: list[str], _c: SchoolDefaults) -> Action:
    name, value = _exactly(args, 2, "threshold set")
    return partial(thresholds.set_threshold, name=name, value=value)


def _bind_cadence(args: list[str], _c: SchoolDefaults) -> Action:
    if not args:
        raise _usage("cadence")
    if args[0].lower() in ("default", "standard"):
        return partial(schedule.set_default_cadence, words=args[1:])
    return partial(schedule.set_cadence, code=args[0], words=args[1:])


def _bind_break_add(args: list[str], _c: SchoolDefaults) -> Action:
    if len(args) < 2:
        raise _usage("break add")
    return partial(schedule.add_break, start=args[0], end=args[1], name=" ".join(args[2:]))


def _bind_break_remove(args: list[str], _c: SchoolDefaults) -> Action:
    if not args:
        raise _usage("break remove")
    return partial(schedule.remove_break, which=" ".join(args))


def _bind_retention(args: list[str], _c: SchoolDefaults) -> Action:
    if args:
        raise _usage("retention set")  # a period alone is not enough: it needs its decision
    return privacy.set_retention


def _bind_retention_set(args: list[str], _c: SchoolDefaults) -> Action:
    if not args:
        raise _usage("retention set")
    return partial(privacy.set_retention, days=args[0], decision=" ".join(args[1:]))


def _bind_schools(args: list[str], _d: SchoolDefaults) -> PersonAction:
    _exactly(args, 0, "schools")
    return PersonAction(schools.list_schools)


def _bind_school(args: list[str], _d: SchoolDefaults) -> PersonAction:
    if not args:
        return PersonAction(schools.list_schools)
    return PersonAction(partial(schools.choose_school, name=" ".join(args)))


def _bind_school_add(args: list[str], _d: SchoolDefaults) -> PersonAction:
    coordinator: tuple[str, str] | None = None
    if len(args) > 1 and args[-1].startswith(("@", "<@")):
        try:
            coordinator = parse_mention(args[-1])
        except ValueError:
            raise _usage("school add") from None
        args = args[:-1]
    if not args:
        raise _usage("school add")
    return PersonAction(
        partial(
            schools.add_school,
            name=" ".join(args),
            coordinator_id=coordinator[0] if coordinator else None,
            coordinator_name=coordinator[1] if coordinator else "",
        )
    )


def _bind_school_rename(args: list[str], _d: SchoolDefaults) -> Action:
    if not args:
        raise _usage("school rename")
    return partial(schools.rename_school, name=" ".join(args))


def _bind_programme(args: list[str], defaults: SchoolDefaults) -> PersonAction:
    _exactly(args, 0, "programme")
    return PersonAction(partial(programme.show_programme, leads=defaults.programme_leads))


def _bind_report(args: list[str], _d: SchoolDefaults) -> Action:
    _exactly(args, 0, "report")
    return month_report


def _bind_language(args: list[str], _c: SchoolDefaults) -> Action:
    (language,) = _exactly(args, 1, "language")
    return partial(roles.set_language, language=language.lower())


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "help",
        ("help", "hjälp", "hjalp", "?"),
        N_("help [command]"),
        N_("Show what I can do."),
        _bind_help,
    ),
    CommandSpec(
        "student add",
        ("student add", "elev ny", "elev lägg till"),
        N_("student add CODE [name] [grade] [class]"),
        N_(
            "Register a student by pseudonymous code, e.g. student add 7B-03 Åsa Öberg 7 7B; "
            "name=, grade= and class= work too (coordinators)."
        ),
        _bind_student_add,
    ),
    CommandSpec(
        "student edit",
        ("student edit", "elev ändra"),
        N_("student edit CODE [name=Åsa Öberg] [grade=5-9] [class=7B] [id=ID]"),
        N_(
            "Change a student's name, grade or class, or set the school's own person id for them (id=, "
            "never a personal identity number). The name runs to the next option; quotes work too: "
            'name="Åsa Öberg" (coordinators).'
        ),
        _bind_student_edit,
    ),
    CommandSpec(
        "student remove",
        ("student remove", "elev ta bort", "elev bort"),
        N_("student remove CODE"),
        N_("Take a student off the programme; records are kept (coordinators)."),
        _bind_code(students.remove_student, "student remove"),
    ),
    CommandSpec(
        "student reactivate",
        ("student reactivate", "student restore", "elev återaktivera", "elev tillbaka", "elev återställ"),
        N_("student reactivate CODE"),
        N_("Bring a removed student back, with their records, name, grade and class (coordinators)."),
        _bind_code(students.reactivate_student, "student reactivate"),
    ),
    CommandSpec(
        "student export",
        ("student export", "elev export", "elev exportera"),
        N_("student export CODE"),
        N_("All data about one student as JSON, for a request from the student or guardians (coordinators)."),
        _bind_code(privacy.export_student, "student export"),
    ),
    CommandSpec(
        "students",
        ("students", "elever"),
        N_("students"),
        N_("List all students and their mentors (coordinators)."),
        _bind_no_args(students.list_students, "students"),
    ),
    CommandSpec(
        "students removed",
        ("students removed", "removed students", "elever borttagna", "borttagna elever"),
        N_("students removed"),
        N_("Students taken off the programme whose records are kept (coordinators)."),
        _bind_no_args(students.list_removed_students, "students removed"),
    ),
    CommandSpec(
        "assign",
        ("assign", "tilldela", "koppla"),
        N_("assign CODE @mentor"),
        N_("Give a student a mentor, or a new one (coordinators)."),
        _bind_assign,
    ),
    CommandSpec(
        "unassign",
        ("unassign", "koppla bort"),
        N_("unassign CODE"),
        N_("End a student's mentorship (coordinators)."),
        _bind_code(mentorships.unassign, "unassign"),
    ),
    CommandSpec(
        "mentees",
        ("mentees", "adepter", "mina elever"),
        N_("mentees [@mentor]"),
        N_("Your mentees with last check-in and next due; coordinators can name a mentor."),
        _bind_mentees,
    ),
    CommandSpec(
        "checkin",
        ("checkin", "check-in", "avstämning", "avstamning"),
        N_("checkin CODE"),
        N_("Log a check-in for one of your mentees."),
        _bind_code(checkins.start_check_in, "checkin"),
    ),
    CommandSpec(
        "checkin undo",
        (
            "checkin undo",
            "check-in undo",
            "undo",
            "avstämning ångra",
            "avstamning angra",
            "ångra avstämning",
            "ångra",
            "angra",
        ),
        N_("checkin undo CODE"),
        N_(
            "Withdraw your latest check-in of a mentee within 24 hours; to correct it, "
            "log it again with checkin CODE."
        ),
        _bind_code(corrections.withdraw_check_in, "checkin undo"),
    ),
    CommandSpec(
        "snooze",
        ("snooze", "skjut upp", "snooza"),
        N_("snooze CODE"),
        N_("Ask me again about a waiting check-in the next school day."),
        _bind_code(prompts.snooze, "snooze"),
    ),
    CommandSpec(
        "notmet",
        ("notmet", "did not meet", "träffades inte", "ej träffat"),
        N_("notmet CODE"),
        N_("Log that you did not meet a mentee this time."),
        _bind_code(prompts.did_not_meet, "notmet"),
    ),
    CommandSpec(
        "guardians",
        ("guardians", "vårdnadshavare", "vardnadshavare"),
        N_("guardians ID yes|no"),
        N_(
            "Answer whether the guardians were told about a mentee's unexcused absence that day "
            "(Skollagen 7 kap. 17 §); the question gives the number."
        ),
        _bind_guardians,
    ),
    CommandSpec(
        "alerts",
        ("alerts", "larm"),
        N_("alerts"),
        N_(
            "Open cases, one per student, most urgent first, with their next date; follow-ups due "
            "(student health team)."
        ),
        _bind_no_args(alerts.open_alerts, "alerts"),
    ),
    CommandSpec(
        "agenda",
        ("agenda", "dagordning"),
        N_("agenda"),
        N_("The EHT meeting: open cases by risk and age, their trend, what changed since the last meeting."),
        _bind_no_args(agenda.meeting_agenda, "agenda"),
    ),
    CommandSpec(
        "alert ack",
        ("alert ack", "alert acknowledge", "larm kvittera", "larm kvitto"),
        N_("alert ack ID [YYYY-MM-DD]"),
        N_("Acknowledge a case: you have seen it; optionally a follow-up date (student health team)."),
        _bind_alert(alerts.acknowledge, "alert ack"),
    ),
    CommandSpec(
        "alert own",
        ("alert own", "alert take", "larm ta", "larm äg", "larm ansvar"),
        N_("alert own ID [YYYY-MM-DD]"),
        N_("Take responsibility for a case; optionally a follow-up date (student health team)."),
        _bind_alert(alerts.take_ownership, "alert own"),
    ),
    CommandSpec(
        "alert resolve",
        ("alert resolve", "alert close", "larm lös", "larm avsluta", "larm klart"),
        N_("alert resolve ID talked|guardians|eht_meeting|referral|not_relevant|other [YYYY-MM-DD]"),
        N_("Resolve a case with what was done and an optional follow-up date (student health team)."),
        _bind_alert_resolve,
    ),
    CommandSpec(
        "alert investigation",
        ("alert investigation", "larm utredning"),
        N_("alert investigation ID yes|no"),
        N_("Record whether an absence investigation (7 kap. 19 a §) has started (student health team)."),
        _bind_alert_investigation,
    ),
    CommandSpec(
        "plan",
        ("plan", "åtgärdsplan"),
        N_(
            "plan ID cc-basic|cc-intensive|guardians|eht-meeting|referral|teaching|other YYYY-MM-DD "
            "[@people] goal"
        ),
        N_("Record or change a case's intervention plan: kind, review date, people responsible, goal."),
        _bind_plan,
    ),
    CommandSpec(
        "plan show",
        ("plan show", "plan visa", "åtgärdsplan visa"),
        N_("plan show ID|CODE"),
        N_("Read a case's plan (the student's mentor sees that there is one)."),
        _bind_plan_show,
    ),
    CommandSpec(
        "plan continue",
        ("plan continue", "plan fortsätt", "åtgärdsplan fortsätt"),
        N_("plan continue ID YYYY-MM-DD"),
        N_("At a review: the plan goes on until a new review date."),
        _bind_plan_continue,
    ),
    CommandSpec(
        "plan close",
        ("plan close", "plan avsluta", "åtgärdsplan avsluta"),
        N_("plan close ID met|partly|not-met"),
        N_("At a review: close the plan; a goal met resolves the case."),
        _bind_plan_close,
    ),
    CommandSpec(
        "history",
        ("history", "historik"),
        N_("history CODE"),
        N_("A student's recent check-ins (mentor, coordinators, EHT while a case is open)."),
        _bind_code(alerts.check_in_history, "history"),
    ),
    CommandSpec(
        "thresholds",
        ("thresholds", "tröskelvärden", "troskelvarden", "gränser"),
        N_("thresholds"),
        N_("The school's early-warning thresholds and what they mean (coordinators, EHT)."),
        _bind_no_args(thresholds.show_thresholds, "thresholds"),
    ),
    CommandSpec(
        "threshold set",
        ("threshold set", "tröskelvärde sätt", "troskelvarde satt", "gräns sätt"),
        N_("threshold set NAME VALUE"),
        N_("Change one early-warning threshold (coordinators, EHT)."),
        _bind_threshold_set,
    ),
    CommandSpec(
        "attendance",
        ("attendance", "närvaro", "narvaro"),
        N_("attendance"),
        N_(
            "How the imports of attendance, grades and F warnings from the school's system went: when, "
            "rows read and stored, students not matched, the last error (coordinators)."
        ),
        _bind_no_args(attendance_source.source_and_status, "attendance"),
    ),
    CommandSpec(
        "attendance source",
        ("attendance source", "närvaro källa", "narvaro kalla"),
        N_("attendance source ss12000 URL SCHOOLUNITCODE|off"),
        N_(
            "Read attendance every night from the school's SS 12000 system, or stop (coordinators; "
            "the operator sets the credentials)."
        ),
        attendance_source.bind_source,
    ),
    CommandSpec(
        "eht",
        ("eht",),
        N_("eht #channel"),
        N_("Post student health team alerts in this channel (coordinators)."),
        _bind_eht,
    ),
    CommandSpec(
        "role add",
        ("role add", "roll ny", "roll lägg till"),
        N_("role add @user coordinator|mentor|eht"),
        N_("Give someone a role (coordinators)."),
        _bind_role(True, "role add"),
    ),
    CommandSpec(
        "role remove",
        ("role remove", "roll ta bort", "roll bort"),
        N_("role remove @user coordinator|mentor|eht"),
        N_("Take a role away (coordinators)."),
        _bind_role(False, "role remove"),
    ),
    CommandSpec(
        "cadence",
        ("cadence", "rytm"),
        N_("cadence CODE|default [weekly mon 08:30 | every 2 weeks thu 14:00 | mon,thu 08:15 | off]"),
        N_("Show or set how often check-ins are due (the mentor or coordinators; default: coordinators)."),
        _bind_cadence,
    ),
    CommandSpec(
        "break add",
        ("break add", "lov ny", "lov lägg till"),
        N_("break add YYYY-MM-DD YYYY-MM-DD NAME"),
        N_("Add a school break: no prompts on its days (coordinators)."),
        _bind_break_add,
    ),
    CommandSpec(
        "break list",
        ("break list", "breaks", "lov", "lov lista"),
        N_("break list"),
        N_("The school breaks."),
        _bind_no_args(schedule.list_breaks, "break list"),
    ),
    CommandSpec(
        "break remove",
        ("break remove", "lov ta bort", "lov bort"),
        N_("break remove YYYY-MM-DD|name"),
        N_("Remove a school break (coordinators)."),
        _bind_break_remove,
    ),
    CommandSpec(
        "retention",
        ("retention", "gallring"),
        N_("retention"),
        N_("How long records are kept, and the deletion decision that says so (coordinators)."),
        _bind_retention,
    ),
    CommandSpec(
        "retention set",
        ("retention set", "gallring sätt", "gallring satt"),
        N_("retention set DAYS DECISION"),
        N_(
            "Record the deletion decision (gallringsbeslut): the period in days and the decision, "
            "e.g. the records plan's number and date; until then nothing is deleted (coordinators)."
        ),
        _bind_retention_set,
    ),
    CommandSpec(
        "schools",
        ("schools", "skolor"),
        N_("schools"),
        N_("The schools here, your roles in each, and the one you act in."),
        _bind_schools,
    ),
    CommandSpec(
        "school",
        ("school", "skola"),
        N_("school NAME"),
        N_("Act in another of your schools; I remember your choice."),
        _bind_school,
    ),
    CommandSpec(
        "school add",
        ("school add", "skola ny", "skola lägg till"),
        N_("school add NAME [@coordinator]"),
        N_("Add a school here and appoint its first coordinator (organisation admins)."),
        _bind_school_add,
    ),
    CommandSpec(
        "school rename",
        ("school rename", "skola byt namn", "skola namn"),
        N_("school rename NAME"),
        N_("Name the school you act in (its coordinators, organisation admins)."),
        _bind_school_rename,
    ),
    CommandSpec(
        "programme",
        ("programme", "program", "programmet"),
        N_("programme"),
        N_("Figures per school across the programme, never about one child (the programme's project leads)."),
        _bind_programme,
    ),
    CommandSpec(
        "report",
        ("report", "rapport"),
        N_("report"),
        N_(
            "This month's key figures of the school with a chart, never about one child, and how to get "
            "the full report (coordinators)."
        ),
        _bind_report,
    ),
    CommandSpec(
        "language",
        ("language", "språk", "sprak"),
        N_("language sv|en"),
        N_("Choose Swedish or English."),
        _bind_language,
    ),
)
# Left out of help for people who work in one school and administer none.
SCHOOL_COMMANDS = ("schools", "school", "school add", "school rename")
_BY_SPELLING = {spelling: spec for spec in COMMANDS for spelling in spec.spellings}


def find_spec(words: str) -> CommandSpec | None:
    return _BY_SPELLING.get(words.lower())


def spec_named(name: str) -> CommandSpec:
    return next(spec for spec in COMMANDS if spec.name == name)


@dataclass(frozen=True)
class Invocation:
    spec: CommandSpec
    action: Action | PersonAction


def tokenize(text: str) -> list[str]:
    try:
        tokens = shlex.split(text.replace("\u201c", '"').replace("\u201d", '"'))
    except ValueError:
        raise Refused(N_("A quotation mark is not closed.")) from None
    if len(tokens) > 1 and tokens[0].lower().lstrip("/") == "mentor":
        tokens = tokens[1:]  # Teams users often write "mentor assign ..."
    return tokens


NO_DEFAULTS = SchoolDefaults()


def parse(text: str, defaults: SchoolDefaults = NO_DEFAULTS) -> Invocation:
    """Find the command (longest spelling first) and bind its arguments; refuse with usage otherwise."""
    if unreadable(text):
        raise _unreadable(text)
    tokens = tokenize(text)
    if not tokens:
        return Invocation(spec_named("help"), _bind_help([], defaults))
    for length in (3, 2, 1):
        spec = find_spec(" ".join(tokens[:length]))
        if spec is not None and len(tokens) >= length:
            return Invocation(spec, spec.bind(tokens[length:], defaults))
    raise _unknown(tokens)


def reads_only(text: str, defaults: SchoolDefaults = NO_DEFAULTS) -> bool:
    """True for a line answered at once: a reading command, or one refused as typed (its answer)."""
    try:
        return parse(text, defaults).spec.reads
    except Refused:
        return True


def _unreadable(text: str) -> Refused:
    """NUL, other control characters or half a surrogate pair: ask again, with the command's usage."""
    try:
        tokens = tokenize(without_unreadable(text))
    except Refused:
        tokens = []
    spec = next(
        (s for n in (3, 2, 1) if len(tokens) >= n and (s := find_spec(" ".join(tokens[:n]))) is not None),
        None,
    )
    return Refused(UNREADABLE, usage=spec.name if spec else None)


def _unknown(tokens: list[str]) -> Refused:
    typed = " ".join(tokens[:2]).lower()
    candidates = list(_BY_SPELLING)
    close = difflib.get_close_matches(typed, candidates, n=1, cutoff=0.6) or difflib.get_close_matches(
        tokens[0].lower(), candidates, n=1, cutoff=0.6
    )
    if close:
        spec = _BY_SPELLING[close[0]]
        return Refused(
            N_("I do not know \u201c{typed}\u201d. The closest command is:"),
            usage=spec.name,
            typed=tokens[0][:40],
        )
    return Refused(
        N_("I do not know \u201c{typed}\u201d. Type help to see what I can do."),
        typed=tokens[0][:40],
    )


def describe(spec: CommandSpec) -> dict[str, Any]:
    return {"name": spec.name, "usage": spec.usage, "summary": spec.summary}
