"""Doing a use case once per delivery: platforms deliver at least once, people double-click.

`once(key, action)` records the key in the same transaction as the action, so a repeat finds it and
is refused politely; `run_once` also turns the rare concurrent repeat (two processes racing on the
same key: the primary key makes one of them fail) into the same polite refusal.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.actors import Caller, SchoolDefaults
from handlers.commands import Action
from handlers.dispatch import perform
from handlers.results import Outcome
from models import HandledRequest, Member
from models.db import Database
from models.messages import N_, Refused, msg

ALREADY_DONE = N_("That was already done; I did not do it twice.")


def once(key: str, action: Action) -> Action:
    def run(session: Session, actor: Member) -> Outcome:
        if session.get(HandledRequest, key) is not None:
            raise Refused(ALREADY_DONE)
        session.add(HandledRequest(key=key))
        session.flush()
        return action(session, actor)

    return run


def run_once(db: Database, caller: Caller, defaults: SchoolDefaults, key: str, action: Action) -> Outcome:
    try:
        return perform(db, caller, defaults, once(key, action))
    except IntegrityError:
        # Another process handled the same key at the same moment; its transaction won.
        return Outcome(reply=[msg(ALREADY_DONE)], language=defaults.language, refused=True)
