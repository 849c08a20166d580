"""A small test driver: say things as a user and read the replies as text, like the console shows them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.render_text import render_notification, render_reply
from handlers.actors import Caller, SchoolDefaults
from handlers.dispatch import Core
from handlers.results import Outcome
from models.base import utcnow
from models.db import Database

GOOD_CHECK_IN = {
    "met": "yes",
    "absent_days": "0",
    "absent_lessons": "0",
    "late_arrivals": "0",
    "behavioural": "4",
    "academic": "4",
    "cognitive": "3",
    "affective": "4",
    "strengths": "Helped a classmate",
    "concern": "no",
    "note": "",
}


@dataclass
class Reply:
    outcome: Outcome

    @property
    def text(self) -> str:
        return "\n".join(line for r in self.outcome.reply for line in render_reply(self.outcome.language, r))

    @property
    def sent(self) -> list[str]:
        return [render_notification(self.outcome.language, n) for n in self.outcome.notifications]


# As MENTORBOT_COORDINATORS: admin coordinates the first school where they act (school-a in the
# tests) and is named for school-b as well, for the tests that look across schools.
COORDINATORS = frozenset({"admin", "school-b:admin"})


class Driver:
    def __init__(
        self,
        db: Database,
        language: str = "en",
        coordinators: frozenset[str] = COORDINATORS,
        admins: frozenset[str] = frozenset(),
        programme_leads: frozenset[str] = frozenset(),
    ) -> None:
        self.db = db
        self.defaults = SchoolDefaults("Europe/Stockholm", language, coordinators, admins, programme_leads)
        # People act at this moment when set (a simulated date), else at the real time.
        self.now: datetime | None = None
        self.core = Core(db, self.defaults, clock=lambda: self.now or utcnow())

    def caller(self, user: str, workspace: str = "school-a") -> Caller:
        return Caller("console", workspace, user, user)

    def say(self, user: str, text: str, workspace: str = "school-a") -> Reply:
        return Reply(self.core.command(self.caller(user, workspace), text))

    def check_in(
        self,
        user: str,
        code: str,
        answers: Mapping[str, object] | None = None,
        workspace: str = "school-a",
        **changes: object,
    ) -> Reply:
        form = dict(GOOD_CHECK_IN if answers is None else answers)
        form.update(changes)
        return Reply(self.core.check_in(self.caller(user, workspace), code, form))
