"""Console mode: act as any user in a terminal, type the command language, see what would be sent.

Interactive when stdin is a terminal; otherwise it reads lines from stdin, so it can be scripted.
`:as USER` switches user, `:tick` runs the clock once now, `:quit` ends. A check-in form is
asked question by question. Interactive sessions also run the clock in the background, so due
prompts appear as they would be sent.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

from bot.i18n import gettext as _g
from bot.i18n import translate
from bot.render_text import render_reply
from handlers.actors import Caller, SchoolDefaults
from handlers.checkin_form import (
    FIELDS,
    RATING_WORDS,
    Answer,
    FieldKind,
    FormField,
    is_asked,
    parse_field,
)
from handlers.dispatch import Core
from handlers.failures import SOMETHING_WENT_WRONG, log_failure
from handlers.results import OpenCheckIn, Outcome
from models.db import Database
from models.messages import N_, Message, msg
from models.typed_text import typed_id_is_personnummer, usable_id
from schedules.clock import Clock

log = logging.getLogger("mentorbot.console")
PLATFORM = "console"
WORKSPACE = "local"


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
    ) -> None:
        self.db = db
        self.defaults = defaults
        self.user = user.lstrip("@")
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = stdin.isatty()
        self.language = defaults.language
        self.clock = clock
        # The console's clock may be simulated: the core takes `now` from it, and delivers what each
        # action decided to send through the clock's notifier (printed as [→ @anna] ...).
        self.core = Core(db, defaults, clock.notifier, clock.now)
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
        self.show(self.core.command(self.caller, line))

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
        self.user = user
        self.say(translate(self.language, _now_acting(self.user)))

    def show(self, outcome: Outcome) -> None:
        self.language = outcome.language
        for reply in outcome.reply:
            for text in render_reply(outcome.language, reply):
                self.say(text)
            if isinstance(reply, OpenCheckIn):
                self._ask_check_in(reply.student_code)

    def _ask_check_in(self, code: str) -> None:
        answers: dict[str, Answer] = {}
        for form_field in FIELDS:
            if not is_asked(form_field, answers):
                continue
            answer = self._ask(form_field, answers)
            if answer is _CANCELLED:
                self.say(_g(self.language, "Check-in cancelled; nothing was saved."))
                return
            answers[form_field.name] = answer  # type: ignore[assignment]
        self.show(self.core.check_in(self.caller, code, answers))

    def _ask(self, form_field: FormField, answers: dict[str, Answer]) -> object:
        language = self.language
        self.say(f"  {_g(language, form_field.question)}{_hint(language, form_field)}")
        while True:
            raw = next(self._lines, None)
            if raw is None:
                return _CANCELLED
            if not self.interactive:
                self.say(f"  > {raw}")
            if raw.strip() == ":cancel":
                return _CANCELLED
            try:
                return parse_field(form_field, raw, answers)
            except ValueError as problem:
                self.say(f"  {translate(language, problem.args[0])}")


_CANCELLED = object()
WELCOME = N_(
    "mentorbot console. Type help for commands, :as USER to switch user, :tick to run the clock, :quit to end"
)


def _now_acting(user: str) -> Message:
    return msg(N_("You are now acting as @{user}."), user=user)


def _hint(language: str, form_field: FormField) -> str:
    if form_field.kind is FieldKind.YES_NO:
        return " [" + _g(language, N_("yes/no")) + "]"
    if form_field.kind is FieldKind.COUNT:
        return f" [0-{form_field.maximum}]"
    if form_field.kind is FieldKind.RATING:
        words = ", ".join(f"{n} {_g(language, w)}" for n, w in RATING_WORDS)
        return f" [{words}]"
    if form_field.kind is FieldKind.CHOICE:
        return " [" + ", ".join(f"{key} = {_g(language, label)}" for key, label in form_field.choices) + "]"
    return " [" + _g(language, N_("Enter to skip")) + "]" if form_field.optional else ""
