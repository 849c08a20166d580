"""The one way into the core: every adapter (console, Slack, Teams) calls `Core.run`.

A run takes who is acting (`Caller`), what they do (an `Action`, a use case with its arguments
bound), and, where the platform may deliver the same request twice or a person double-clicks, an
idempotency key derived on the server from the request. In one transaction it resolves the actor,
refuses a repeat of the key politely (it changes nothing), runs the use case with the caller's
`now`, writes the use case's notifications to the outbox, and records the key. After the commit it
delivers exactly the outbox rows *this* action created; anything else waiting is the clock's.

Time has one source: `now` comes from the caller (the request's clock, or a simulated clock in
tests and the console) and flows into every use case; nothing in the core reads the wall clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from handlers.actors import (
    Caller,
    SchoolDefaults,
    acting_school,
    language_of,
    member_in_school,
    resolve_person,
    returning_caller,
    schools_of,
    sees_several_schools,
)
from handlers.checkin_form import InvalidCheckIn
from handlers.checkins import log_check_in
from handlers.commands import Action, PersonAction, parse, refusing
from handlers.delivery import Notifier, destination_of, enqueue, school_label
from handlers.lookups import find_member
from handlers.results import Destination, Help, Notification, Outcome, RecipientKind, Reply
from models import CheckInKind, HandledRequest, Member, Person, School
from models.base import utcnow
from models.db import Database
from models.messages import N_, Refused, msg
from schedules.outbox import deliver_pending

log = logging.getLogger("mentorbot")
UNAVAILABLE = N_("I cannot reach my database right now. Nothing was saved; please try again in a minute.")
ALREADY_DONE = N_("That was already done; I did not do it twice.")
# Keys are stored in a column of this size; longer keys (long platform ids) are cut to it.
KEY_MAX = 160


@dataclass
class Core:
    """What an adapter holds to reach the use cases: the database, the school defaults, the
    platform's notifier (None: leave delivery to the clock) and the source of `now`."""

    db: Database
    defaults: SchoolDefaults
    notifier: Notifier | None = None
    clock: Callable[[], datetime] = utcnow

    def run(self, caller: Caller, action: Action | PersonAction, *, key: str | None = None) -> Outcome:
        """Run one action for the caller, once per key; deliver what it decided to send."""
        now = self.clock()
        outcome, created = perform(self.db, caller, self.defaults, action, now, key)
        if created and self.notifier is not None:
            try:
                deliver_pending(self.db, self.notifier, now, only=created)
            except Exception as error:  # still in the outbox: the clock's next tick sends it
                log.warning("delivery after an action failed: %s", type(error).__name__)
        return outcome

    def command(self, caller: Caller, text: str, *, key: str | None = None) -> Outcome:
        """A line of the command language, as typed."""
        try:
            action = parse(text, self.defaults).action
        except Refused as refusal:
            action = refusing(refusal)
        return self.run(caller, action, key=key)

    def check_in(
        self,
        caller: Caller,
        code: str,
        answers: Mapping[str, object],
        kind: CheckInKind = CheckInKind.ADHOC,
        *,
        key: str | None = None,
    ) -> Outcome:
        """A filled-in check-in form; wrong answers come back as `form_errors`, nothing saved."""

        def action(session: Session, actor: Member, now: datetime) -> Outcome:
            return log_check_in(session, actor, now, code, answers, kind)

        return self.run(caller, action, key=key)


ATTEMPTS = 3


def perform(
    db: Database,
    caller: Caller,
    defaults: SchoolDefaults,
    action: Action | PersonAction,
    now: datetime,
    key: str | None = None,
) -> tuple[Outcome, list[int]]:
    """Run the action in one transaction; if it refuses, nothing it did is kept.

    Returns the outcome and the ids of the outbox rows it created. When two requests create the
    same row at the same moment (the same `student add` sent twice, a person's first two messages,
    a platform's retry racing its original on the same key), the database lets one win and fails
    the other on the unique key. The loser runs again, now sees the winner's row, and gets the
    answer a repeat gets ("already registered", "already done"), not an error.
    """
    for _ in range(ATTEMPTS - 1):
        try:
            return _perform_once(db, caller, defaults, action, now, key)
        except IntegrityError:
            continue  # rolled back whole: nothing of this attempt is kept
    return _perform_once(db, caller, defaults, action, now, key)


def _perform_once(
    db: Database,
    caller: Caller,
    defaults: SchoolDefaults,
    action: Action | PersonAction,
    now: datetime,
    key: str | None,
) -> tuple[Outcome, list[int]]:
    language = defaults.language
    where: Destination | None = None  # known once the actor is: a refusal names the school too
    try:
        with db.transaction() as session:
            bound = _bind(session, caller, defaults, now, action)
            where, language = bound.where, bound.speaks()
            if key is not None:
                _refuse_repeat(session, key[:KEY_MAX])
            outcome = bound.run()
            outcome.language = language = bound.speaks()  # the action may have changed it (`language en`)
            outcome.notifications, created = _enqueue(session, bound.school, outcome.notifications, now)
            if key is not None:
                _remember(session, key[:KEY_MAX], now)
            if session.is_modified(bound.school):  # renamed (`school rename`): the answer uses the new name
                where = _destination(
                    session, bound.person, bound.school, about_school=not isinstance(action, PersonAction)
                )
            outcome.destination = where
            return outcome, created
    except Refused as refusal:
        reply: list[Reply] = [refusal.message]
        if refusal.usage:
            reply.append(Help(refusal.usage))
        return Outcome(reply=reply, language=language, refused=True, destination=where), []
    except InvalidCheckIn as invalid:
        return Outcome(language=language, refused=True, form_errors=invalid.errors, destination=where), []
    except OperationalError as error:
        # The database is briefly away (restarting, locked, network): say so, keep running.
        log.warning("database unavailable: %s", type(error.orig).__name__)
        return Outcome(reply=[msg(UNAVAILABLE)], language=language, refused=True), []


@dataclass(frozen=True)
class _Bound:
    """An action bound to who does it: the person, the school it runs in, the action ready to run,
    the actor's language (asked again after the run: `language en` changes it), where answers go."""

    person: Person
    school: School
    run: Callable[[], Outcome]
    speaks: Callable[[], str]
    where: Destination


def _bind(
    session: Session,
    caller: Caller,
    defaults: SchoolDefaults,
    now: datetime,
    action: Action | PersonAction,
) -> _Bound:
    """Who does the action, and where; refused when the caller may act nowhere.

    A returning caller's school action is read in one statement (`returning_caller`); everyone else
    goes the long way. An organisation-level action runs with the person; its notifications go out
    through the school they act in (any school of the workspace reaches the same people)."""
    if not isinstance(action, PersonAction):
        standing = returning_caller(session, caller, defaults)
        if standing is not None:
            actor, school = standing.member, standing.school
            return _Bound(
                standing.person,
                school,
                partial(action, session, actor, now),
                partial(language_of, actor),
                _named(standing.sees_several_schools, school),
            )
    person = resolve_person(session, caller, defaults, now)
    if isinstance(action, PersonAction):
        school = acting_school(session, person) or schools_of(session, person.organisation_id)[0]
        return _Bound(
            person,
            school,
            partial(action.run, session, person, now),
            partial(_person_language, session, person, school),
            _destination(session, person, school, about_school=False),
        )
    actor = member_in_school(session, caller, defaults, now, person)
    return _Bound(
        person,
        actor.school,
        partial(action, session, actor, now),
        partial(language_of, actor),
        _destination(session, person, actor.school, about_school=True),
    )


def _named(several_schools: bool, school: School) -> Destination:
    """`_destination` for an answer about the school, from what the caller's standing already read."""
    name = school_label(school.id, school.name) if several_schools else None
    return Destination(school.platform, school.workspace_id, school.enterprise_id, school.id, name)


def _destination(session: Session, person: Person, school: School, about_school: bool) -> Destination:
    """Where the answer goes; it names the school only for someone who works in several, and only
    when it is about that school (not `schools` or `school add`)."""
    destination = destination_of(session, school)
    if about_school and sees_several_schools(session, person):
        return destination
    return replace(destination, school_name=None)


def _enqueue(
    session: Session, school: School, notifications: list[Notification], now: datetime
) -> tuple[list[Notification], list[int]]:
    """Each notification in its reader's language, written to the outbox of the school it is about."""
    readable, created = [], []
    for notification in notifications:
        about = _school_of(session, notification, school)
        readable.append(_in_reader_language(session, about, notification))
        outbox_id = enqueue(session, about, readable[-1], now=now)
        if outbox_id is not None:
            created.append(outbox_id)
    return readable, created


def _refuse_repeat(session: Session, key: str) -> None:
    """A repeat of a handled request is refused before it runs: a read, so no write lock is taken."""
    if session.get(HandledRequest, key) is not None:
        raise Refused(ALREADY_DONE)


def _remember(session: Session, key: str, now: datetime) -> None:
    """Record the request's key at the end of the action's own transaction.

    On SQLite the first write takes the database's write lock until the commit: written last, the
    key holds it only for the commit, not across the use case. Two copies racing past the check
    both run; the key's primary key fails one at this flush, and its retry is refused as a repeat.
    """
    session.add(HandledRequest(key=key, handled_at=now))
    session.flush()


def _school_of(session: Session, notification: Notification, acting: School) -> School:
    """The school a notification goes out from: the one it names, if in the actor's organisation."""
    named = session.get(School, notification.school_id) if notification.school_id is not None else None
    return named if named is not None and named.organisation_id == acting.organisation_id else acting


def _person_language(session: Session, person: Person, school: School) -> str:
    member = find_member(session, school.id, person.user_id)
    return language_of(member) if member is not None else school.language


def _in_reader_language(session: Session, school: School, notification: Notification) -> Notification:
    language = school.language
    if notification.to.kind is RecipientKind.PERSON:
        reader = find_member(session, school.id, notification.to.id)
        if reader is not None:
            language = language_of(reader)
    return replace(notification, language=language)
