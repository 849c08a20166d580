"""Schools inside one workspace: list them, choose the one to act in, add one, name one.

A municipality's tenant (or Slack workspace) holds all its schools; each has its own roster,
coordinator, EHT and channel. These commands work on the organisation, not inside one school, so
they see no child's data: `schools` names each school and the person's roles there, `school NAME`
remembers which school the person acts in, and an organisation admin adds schools and appoints
each one's first coordinator. An admin holds no role in a school by being admin.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import require_role
from handlers.actors import acting_school, administers, find_or_create_member, role_school_ids, schools_of
from handlers.delivery import school_label
from handlers.results import Notification, Outcome, Recipient
from handlers.roles import ROLE_WORDS
from handlers.typed_fields import check_name
from models import Member, Organisation, Person, Role, School
from models.audit import record
from models.messages import N_, Message, Refused, listing, msg
from models.typed_text import platform_name

SCHOOL_NAME_MAX = 80
ONLY_ADMINS = N_(
    "Only the organisation's admins can add schools. They are the person who installed the app, "
    "or those named in MENTORBOT_ADMINS."
)


def list_schools(session: Session, person: Person, now: datetime) -> Outcome:
    """The schools of the workspace, the person's roles in each, and the one they act in now."""
    schools = schools_of(session, person.organisation_id)
    members = {
        member.school_id: member
        for member in session.scalars(
            select(Member).where(
                Member.school_id.in_([s.id for s in schools]), Member.user_id == person.user_id
            )
        )
    }
    mine = set(role_school_ids(session, person))
    acting = acting_school(session, person)
    lines: list[Message] = [msg(N_("Schools here: {count}"), count=len(schools))]
    for school in schools:
        roles = members[school.id].roles if school.id in members else []
        lines.append(
            msg(
                N_("{marker} {school}: {roles}"),
                marker="▶" if acting is not None and school.id == acting.id else "•",
                school=school_label(school.id, school.name),
                roles=listing(msg(ROLE_WORDS[role]) for role in roles) if roles else msg(N_("no role")),
            )
        )
    if len(schools) > 1 and (len(mine) > 1 or person.is_admin):
        lines.append(msg(N_("Choose where you act with: school NAME")))
    return Outcome(reply=list(lines))


def _all_if_admin(person: Person, schools: list[School]) -> set[int]:
    return {s.id for s in schools} if person.is_admin else set()


def choose_school(session: Session, person: Person, now: datetime, name: str) -> Outcome:
    """Act in the named school from now on (remembered); only where one has a role, or is admin."""
    school = _school_named(session, person.organisation_id, name)
    allowed = _all_if_admin(person, schools_of(session, person.organisation_id)) | set(
        role_school_ids(session, person)
    )
    if school is None or school.id not in allowed:
        raise Refused(
            N_("You have no role in a school called \u201c{name}\u201d. Type schools to see yours."),
            usage="school",
            name=name[:SCHOOL_NAME_MAX],
        )
    person.current_school_id = school.id
    return Outcome.say(msg(N_("You now act in {school}."), school=school_label(school.id, school.name)))


def add_school(
    session: Session,
    person: Person,
    now: datetime,
    name: str,
    coordinator_id: str | None = None,
    coordinator_name: str = "",
) -> Outcome:
    """A new school in the workspace (admins), with its first coordinator if one is named."""
    if not person.is_admin:
        raise Refused(ONLY_ADMINS)
    name = _usable_school_name(name)
    if _school_named(session, person.organisation_id, name) is not None:
        raise Refused(N_("There is already a school called {school}."), school=name)
    organisation = session.get_one(Organisation, person.organisation_id)
    first = schools_of(session, organisation.id)[0]
    school = School(
        organisation=organisation,
        platform=first.platform,
        workspace_id=first.workspace_id,
        enterprise_id=first.enterprise_id,
        name=name,
        timezone=first.timezone,
        language=first.language,
        thresholds={},
        created_at=now,
    )
    session.add(school)
    session.flush()
    admin = find_or_create_member(session, school, person.user_id, now)
    record(session, admin, school.id, "school.create", "school", school.id, now)
    reply: list[Message] = [msg(N_("{school} is added."), school=name)]
    notifications: list[Notification] = []
    if coordinator_id is not None:
        coordinator = find_or_create_member(session, school, coordinator_id, now, coordinator_name)
        coordinator.set_role(Role.COORDINATOR, True)
        record(session, admin, school.id, "role.grant.coordinator", "member", coordinator.id, now)
        reply.append(msg(N_("@{user} is its coordinator."), user=coordinator_id))
        notifications.append(
            Notification(
                Recipient.person(coordinator_id),
                school_id=school.id,
                content=msg(
                    N_("You are now the coordinator of {school} in mentorbot. Type help to begin."),
                    school=name,
                ),
            )
        )
    else:
        reply.append(
            msg(N_("Appoint its coordinator: school {school}, then role add @user coordinator."), school=name)
        )
    if not first.name:
        reply.append(msg(N_("The first school here has no name yet: choose it and type school rename NAME.")))
    return Outcome(reply=list(reply), notifications=notifications)


def rename_school(session: Session, actor: Member, now: datetime, name: str) -> Outcome:
    """Name the school one acts in (its coordinators, or an admin)."""
    if not administers(session, actor):
        require_role(actor, Role.COORDINATOR)
    name = _usable_school_name(name)
    other = _school_named(session, actor.school.organisation_id, name)
    if other is not None and other.id != actor.school_id:
        raise Refused(N_("There is already a school called {school}."), school=name)
    actor.school.name = name
    record(session, actor, actor.school_id, "school.rename", "school", actor.school_id, now)
    return Outcome.say(msg(N_("This school is now called {school}."), school=name))


def _usable_school_name(name: str) -> str:
    check_name(name)  # never take a personal identity number as a school's name
    cleaned = platform_name(name, SCHOOL_NAME_MAX)
    if not cleaned:
        raise Refused(N_("Give the school a name, for example: school add Norrskolan"), usage="school add")
    return cleaned


def _school_named(session: Session, organisation_id: int, name: str) -> School | None:
    """The school by its name (any case), or by its number as `schools` shows an unnamed one."""
    wanted = name.strip().lower()
    for school in schools_of(session, organisation_id):
        if wanted in (school.name.lower(), school_label(school.id, school.name).lower()) and wanted:
            return school
    return None
