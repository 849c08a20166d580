"""Console mode: act as any user in a terminal, type the command language, see what would be sent.

Interactive when stdin is a terminal; otherwise it reads lines from stdin, so it can be scripted.
`:as USER` switches user, `:tick` runs the clock once now, `:quit` ends. A check-in form is
asked question by question; a wrong answer is asked again at once, and an answer the core still
refuses is asked again with the others kept, until it is right or the mentor types `:cancel`.
Interactive sessions also run the clock in the background, so due prompts appear as they would
be sent.

People are typed, not picked from a list, so the console has its own rule for names: `@Anna` is
the known @anna whatever the case, and a command that names someone unknown is refused with the
closest known names instead of creating a new person from a typo. Someone new joins deliberately,
with `role add @name mentor` (or eht, coordinator). Slack and Teams do not need this: there a
mention is an account.
"""

from __future__ import annotations

import logging
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import gettext as _g
from bot.i18n import translate
from bot.render_text import render_reply
from bot.reports.chat import write_chart
from bot.roster_import import PROGRESS_FROM, import_roster, started
from bot.schools import in_school, with_school_prefix
from handlers.actors import Caller, SchoolDefaults
from handlers.checkin_form import (
    CHOICE_WORDS,
    FIELDS,
    PART_OF,
    RATING_WORDS,
    Answer,
    FieldKind,
    FormField,
    is_asked,
    parse_field,
)
from handlers.commands import Action, PersonAction, parse, refusing
from handlers.dispatch import Core
from handlers.failures import SOMETHING_WENT_WRONG, log_failure
from handlers.lookups import closest_names, known_person, member_named
from handlers.results import Help, MonthReport, OpenCheckIn, Outcome
from handlers.roles import lead_new_school
from handlers.roster import RosterRow, import_row, may_import, parse_roster
from models import Member, School
from models.db import Database
from models.messages import N_, Message, Refused, msg
from models.typed_text import typed_id_is_personnummer, usable_id
from schedules.clock import Clock

log = logging.getLogger("mentorbot.console")
PLATFORM = "console"
WORKSPACE = "local"
IMPORT_WORDS = {"import", "importera"}
# A roster file is a class list: anything bigger is not one (parse_roster takes at most 500 rows).
IMPORT_MAX_BYTES = 1_000_000
# Commands that name people; `role add` is the one that may name someone new.
NAMES_PEOPLE = {"assign", "mentees", "role add", "role remove"}
_NAMED = re.compile(r"(?<!\S)@([\w.-]+)(?!\S)")
# Where `report` writes its chart unless told otherwise (the CLI: the data directory's reports/).
REPORT_DIR = Path(tempfile.gettempdir()) / "mentorbot-reports"
CHART_AT = N_("The chart: {path}")


class Console:
    def __init__(
        self,
        db: Database,
        defaults: SchoolDefaults,
        user: str,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        *,
        clock: Clock,
        first_user_leads: bool = False,
        report_dir: Path = REPORT_DIR,
    ) -> None:
        self.db = db
        self.report_dir = report_dir
        self.defaults = defaults
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = stdin.isatty()
        self.language = defaults.language
        self.clock = clock
        # With no coordinators configured, whoever opens a school that has none runs it.
        self.first_user_leads = first_user_leads
        # The console's clock may be simulated: the core takes `now` from it, and delivers what each
        # action decided to send through the clock's notifier (printed as [→ @anna] ...).
        self.core = Core(db, defaults, clock.notifier, clock.now)
        self.user = self._known_as(user.lstrip("@"))[0]
        self._lines = self._read_lines()

    def _read_lines(self) -> Iterator[str]:
        while True:
            if self.interactive:
                self.stdout.write(f"{self.user}> ")
                self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                return
            yield line.rstrip("\n")

    def say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    @property
    def caller(self) -> Caller:
        return Caller(PLATFORM, WORKSPACE, self.user, self.user)

    def run(self) -> None:
        if self.interactive:
            self.say(_g(self.language, WELCOME))
        if self.first_user_leads:
            self.show(self.core.run(self.caller, lead_new_school))
        for line in self._lines:
            if not self.interactive:
                self.say(f"{self.user}> {line}")
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            if line in (":quit", ":q", ":exit"):
                break
            if line.startswith(":as"):
                self._switch_user(line)
                continue
            if line == ":tick":
                self._safely(":tick", self._tick)
                continue
            self._safely("console command", self._command, line)

    def _command(self, line: str) -> None:
        first, _, rest = line.partition(" ")
        if first.lower() in IMPORT_WORDS:
            self._import(rest)
            return
        self.show(self.core.run(self.caller, console_command(line, self.defaults)))

    def _safely(self, where: str, work: Callable[..., None], *args: str) -> None:
        """A failure is logged as where it happened, never what was typed; the session goes on."""
        try:
            work(*args)
        except Exception as exc:
            log_failure(where, exc, log)
            self.say(_g(self.language, SOMETHING_WENT_WRONG))

    def _tick(self) -> None:
        report = self.clock.tick()
        if not report.delivered:
            self.say(_g(self.language, N_("(the clock ran: nothing is due)")))

    def _switch_user(self, line: str) -> None:
        parts = line.split()
        user = parts[1].lstrip("@") if len(parts) == 2 else ""
        if not usable_id(user) or typed_id_is_personnummer(user):
            self.say(_g(self.language, "Usage: :as USER"))
            return
        self.user, close = self._known_as(user)
        if close:
            names = ", ".join(f"@{name}" for name in close)
            self.say(translate(self.language, msg(NEW_HERE, user=self.user, names=names)))
        else:
            self.say(translate(self.language, _now_acting(self.user)))

    def _known_as(self, typed: str) -> tuple[str, list[str]]:
        """The known person `typed` names in any case; else `typed` (someone new) and the closest names.

        Only reads: acting as someone new creates them on their first command, as a first message does
        in Slack or Teams, and never gives them a role."""
        with self.db.transaction() as session:
            # Every school of the console's workspace: someone may work in the second one only.
            schools = session.scalars(
                select(School.id)
                .where(School.platform == PLATFORM, School.workspace_id == WORKSPACE)
                .order_by(School.id)
            ).all()
            for school in schools:
                member = member_named(session, school, typed)
                if member is not None:
                    return member.user_id, []
            return typed, closest_names(session, schools[0], typed) if schools else []

    def show(self, outcome: Outcome) -> None:
        """The outcome's replies, the first starting with its school (`[Norrskolan] …`) where the
        person works in several."""
        self.language = outcome.language
        first = True
        for reply in outcome.reply:
            for text in render_reply(outcome.language, reply):
                self.say(with_school_prefix(text, outcome.destination) if first else text)
                first = False
            if isinstance(reply, Help) and reply.command is None:
                self.say("  " + _g(outcome.language, CONSOLE_HELP))
            if isinstance(reply, MonthReport):
                path = write_chart(outcome.language, reply, self.report_dir)
                self.say(translate(outcome.language, msg(CHART_AT, path=str(path))))
            if isinstance(reply, OpenCheckIn):
                school = outcome.destination.school_id if outcome.destination else None
                self._ask_check_in(reply.student_code, school, reply.prefilled)
        for error in outcome.form_errors.values():
            self.say(translate(outcome.language, error))

    # -- the check-in form ---------------------------------------------------------------------

    def _ask_check_in(
        self, code: str, school: int | None = None, prefilled: Mapping[str, int] | None = None
    ) -> None:
        """Ask each question; submit; ask again only what the core still refuses, keeping the rest.

        Saved in `school`, where the form was opened (the same code may exist in another school).
        A question the school's system answered (`prefilled`) offers its figure: Enter confirms it."""
        prefilled = prefilled or {}
        self.say("  " + _g(self.language, CANCEL_HINT))
        answers: dict[str, Answer] = {}
        wrong: dict[str, Message] = {}
        while True:
            for form_field in FIELDS:
                if not is_asked(form_field, answers):
                    answers.pop(form_field.name, None)  # an earlier answer changed: no longer applies
                    continue
                if form_field.name in answers and form_field.name not in wrong:
                    continue
                start = prefilled.get(form_field.name)
                whole = PART_OF.get(form_field.name)
                if start is not None and whole is not None:
                    start = min(start, cast(int, answers.get(whole) or 0))  # the whole was corrected down
                answer = self._ask(form_field, answers, wrong.get(form_field.name), start)
                if answer is _CANCELLED:
                    self.say(_g(self.language, "Check-in cancelled; nothing was saved."))
                    return
                answers[form_field.name] = answer  # type: ignore[assignment]
            outcome = self.core.check_in(in_school(self.caller, school), code, answers)
            wrong = {name: error for name, error in outcome.form_errors.items() if name in answers}
            if not wrong:
                self.show(outcome)
                return
            self.say("  " + _g(outcome.language, N_("Some answers need another look:")))

    def _ask(
        self,
        form_field: FormField,
        answers: dict[str, Answer],
        problem: Message | None,
        start: int | None = None,
    ) -> object:
        language = self.language
        self.say(f"  {_g(language, form_field.question)}{_hint(language, form_field, answers, start)}")
        if problem is not None:
            self.say(f"  {translate(language, problem)}")
        while True:
            raw = next(self._lines, None)
            if raw is None:
                return _CANCELLED
            if not self.interactive:
                self.say(f"  > {raw}")
            if raw.strip() == ":cancel":
                return _CANCELLED
            if not raw.strip() and start is not None:
                raw = str(start)  # Enter confirms the school system's figure
            try:
                return parse_field(form_field, raw, answers)
            except ValueError as error:
                self.say(f"  {translate(language, error.args[0])}")

    # -- import FILE.csv -----------------------------------------------------------------------

    def _import(self, argument: str) -> None:
        """A roster from a CSV file, with the same columns and checks as Slack's import form."""
        try:
            words = shlex.split(argument)
        except ValueError:
            words = []
        if len(words) != 1:
            self.say(_g(self.language, IMPORT_USAGE))
            return
        allowed = self.core.run(self.caller, may_import)
        if allowed.refused:
            self.show(allowed)
            return
        language = allowed.language
        path = Path(words[0]).expanduser()
        text = _read_roster(path)
        if text is None:
            self.say(translate(language, msg(N_("I cannot read the file {file}."), file=words[0][:200])))
            return
        rows = parse_roster(text)
        if not rows:
            self.say(_g(language, N_("The file has no rows to import.")))
            return
        if len(rows) > PROGRESS_FROM:
            self.say(translate(language, started(len(rows))))

        def progress(done: int, total: int) -> None:
            self.say(translate(language, msg(N_("{done} of {total} rows done…"), done=done, total=total)))

        report = import_roster(
            self.core, self.caller, rows, language, row_action=_known_mentor, progress=progress
        )
        for line in report.lines():
            self.say(line)


def console_command(text: str, defaults: SchoolDefaults) -> Action | PersonAction:
    """A typed line as an action, with the console's rule for names (see the module's docstring)."""
    try:
        invocation = parse(text, defaults)
    except Refused as refusal:
        return refusing(refusal)
    if invocation.spec.name not in NAMES_PEOPLE:
        return invocation.action
    may_add = invocation.spec.name == "role add"

    def action(session: Session, actor: Member, now: datetime) -> Outcome:
        def person(named: re.Match[str]) -> str:
            typed = named.group(1)
            if may_add:
                member = member_named(session, actor.school_id, typed)
                return "@" + (member.user_id if member is not None else typed)
            return "@" + known_person(session, actor.school_id, typed).user_id

        # The commands that name people all act inside a school.
        named = cast(Action, parse(_NAMED.sub(person, text), defaults).action)
        return named(session, actor, now)

    return action


def _known_mentor(row: RosterRow) -> Action:
    """An imported row whose mentor must be a known person, as in `assign`."""

    def action(session: Session, actor: Member, now: datetime) -> Outcome:
        if row.mentor:
            mentor = known_person(session, actor.school_id, row.mentor.lstrip("@"))
            return import_row(session, actor, now, replace(row, mentor=mentor.user_id))
        return import_row(session, actor, now, row)

    return action


def _read_roster(path: Path) -> str | None:
    """The file's text (UTF-8, or Windows-1252 as older Excel saves CSV); None if it cannot be read."""
    try:
        with path.open("rb") as handle:
            data = handle.read(IMPORT_MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > IMPORT_MAX_BYTES:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_CANCELLED = object()
WELCOME = N_(
    "mentorbot console. Type help for commands, :as USER to switch user, :tick to run the clock, :quit to end"
)
CANCEL_HINT = N_("(Type :cancel at any question to stop; nothing is saved until the last answer.)")
CONSOLE_HELP = N_(
    "In the console also: import FILE.csv registers many students from a CSV file (coordinators)."
)
IMPORT_USAGE = N_(
    "Usage: import FILE.csv (one student per line: code,name,grade,class,mentor; only the code is required)"
)
NEW_HERE = N_("You are now acting as @{user}, who is new here. Did you mean {names}?")


def _now_acting(user: str) -> Message:
    return msg(N_("You are now acting as @{user}."), user=user)


def _hint(language: str, form_field: FormField, answers: dict[str, Answer], start: int | None = None) -> str:
    if form_field.kind is FieldKind.YES_NO:
        return " [" + _g(language, N_("yes/no")) + "]"
    if form_field.kind is FieldKind.COUNT:
        # Unexcused absences: at most the absences just given, and the hint says so.
        whole = PART_OF.get(form_field.name)
        limits = f"0-{answers.get(whole) if whole else form_field.maximum}"
        if start is None:
            return f" [{limits}]"
        return f" [{limits}, " + translate(language, msg(N_("Enter: {figure}"), figure=start)) + "]"
    if form_field.kind is FieldKind.RATING:
        words = ", ".join(f"{n} {_g(language, w)}" for n, w in RATING_WORDS)
        return f" [{words}]"
    if form_field.kind is FieldKind.CHOICE:
        return " [" + ", ".join(_choice(language, key, label) for key, label in form_field.choices) + "]"
    return " [" + _g(language, N_("Enter to skip")) + "]" if form_field.optional else ""


def _choice(language: str, key: str, label: str) -> str:
    """A choice as the word to type in the reader's language, with its meaning when that says more."""
    word, meaning = _g(language, CHOICE_WORDS.get(key, key)), _g(language, label)
    return word if word == meaning else f"{word} = {meaning}"
