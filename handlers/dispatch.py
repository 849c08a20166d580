"""Running a use case for a caller: one transaction, the actor resolved, refusals turned into replies.

The notifications a use case decides on go into the outbox in the same transaction; the caller
then delivers them (`schedules.outbox.deliver_pending`), or the clock does on its next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from handlers.actors import Caller, SchoolDefaults, language_of, resolve_actor
from handlers.checkin_form import InvalidCheckIn
from handlers.checkins import log_check_in
from handlers.commands import Action, parse
from handlers.delivery import enqueue
from handlers.lookups import find_member
from handlers.results import Destination, Help, Notification, Outcome, RecipientKind, Reply
from models import CheckInKind, Member
from models.db import Database
from models.messages import N_, Refused, msg

log = logging.getLogger("mentorbot")
UNAVAILABLE = N_("I cannot reach my database right now. Nothing was saved; please try again in a minute.")
ATTEMPTS = 3


def perform(db: Database, caller: Caller, defaults: SchoolDefaults, action: Action) -> Outcome:
    """Run the action in one transaction; if it refuses, nothing it did is kept.

    When two requests create the same row at the same moment (the same `student add` sent twice,
    a person's first two messages), the database lets one win and fails the other on the unique
    key. The loser runs again, now sees the winner's row, and gets the answer a repeat gets
    ("already registered"), not an error.
    """
    for _ in range(ATTEMPTS - 1):
        try:
            return _perform_once(db, caller, defaults, action)
        except IntegrityError:
            continue  # rolled back whole: nothing of this attempt is kept
    return _perform_once(db, caller, defaults, action)


def _perform_once(db: Database, caller: Caller, defaults: SchoolDefaults, action: Action) -> Outcome:
    language = defaults.language
    try:
        with db.transaction() as session:
            actor = resolve_actor(session, caller, defaults)
            language = language_of(actor)
            outcome = action(session, actor)
            outcome.language = language_of(actor)
            outcome.notifications = [_in_reader_language(session, actor, n) for n in outcome.notifications]
            for notification in outcome.notifications:
                enqueue(session, actor.school, notification)
            outcome.destination = Destination(actor.school.platform, actor.school.workspace_id)
            return outcome
    except Refused as refusal:
        reply: list[Reply] = [refusal.message]
        if refusal.usage:
            reply.append(Help(refusal.usage))
        return Outcome(reply=reply, language=language, refused=True)
    except InvalidCheckIn as invalid:
        return Outcome(language=language, refused=True, form_errors=invalid.errors)
    except OperationalError as error:
        # The database is briefly away (restarting, locked, network): say so, keep running.
        log.warning("database unavailable: %s", type(error.orig).__name__)
        return Outcome(reply=[msg(UNAVAILABLE)], language=language, refused=True)


def _in_reader_language(session: Session, actor: Member, notification: Notification) -> Notification:
    language = actor.school.language
    if notification.to.kind is RecipientKind.PERSON:
        reader = find_member(session, actor.school_id, notification.to.id)
        if reader is not None:
            language = language_of(reader)
    return replace(notification, language=language)


def run_command(db: Database, caller: Caller, defaults: SchoolDefaults, text: str) -> Outcome:
    def action(session: Session, actor: Member) -> Outcome:
        return parse(text, defaults.coordinators).action(session, actor)

    return perform(db, caller, defaults, action)


def submit_check_in(
    db: Database,
    caller: Caller,
    defaults: SchoolDefaults,
    code: str,
    answers: Mapping[str, object],
    kind: CheckInKind = CheckInKind.ADHOC,
) -> Outcome:
    """Save a filled-in check-in form; wrong answers come back as `form_errors`, nothing saved."""

    def action(session: Session, actor: Member) -> Outcome:
        return log_check_in(session, actor, code, answers, kind)

    return perform(db, caller, defaults, action)
