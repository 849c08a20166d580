"""Who is acting: a platform's (workspace, user) as a School and Member, created on first contact.

A school is one workspace: a Slack team (also inside an Enterprise Grid org, where the org's id is
kept beside it), a Teams tenant, or the console. Nobody is coordinator of a school unless a
coordinator of that school appointed them, they installed the app there first, or the
configuration names them for it (see `configured_here`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import BoundCoordinator, FirstInstall, Member, Organisation, Person, School
from models.audit import record
from models.messages import N_, Refused
from models.typed_text import platform_name, usable_id

NAME_MAX = 80


@dataclass(frozen=True)
class Caller:
    """A person as the chat platform identifies them."""

    platform: str
    workspace_id: str
    user_id: str
    display_name: str = ""
    # The Slack Enterprise Grid org the workspace belongs to; None elsewhere.
    enterprise_id: str | None = None


@dataclass(frozen=True)
class SchoolDefaults:
    """What a new school starts with, from the configuration."""

    timezone: str = "Europe/Stockholm"
    language: str = "sv"
    # MENTORBOT_COORDINATORS: "WORKSPACE:USER" for one workspace, or a bare "USER" (see configured_here).
    coordinators: frozenset[str] = field(default_factory=frozenset)


def find_or_create_organisation(
    session: Session, platform: str, workspace_id: str, now: datetime
) -> Organisation:
    organisation = session.scalar(
        select(Organisation).where(
            Organisation.platform == platform, Organisation.workspace_id == workspace_id
        )
    )
    if organisation is None:
        organisation = Organisation(platform=platform, workspace_id=workspace_id, created_at=now)
        session.add(organisation)
        session.flush()
    return organisation


def remember_person(session: Session, school: School, user_id: str, now: datetime) -> Person:
    """The person across the organisation's schools, acting in `school` now."""
    person = session.scalar(
        select(Person).where(Person.organisation_id == school.organisation_id, Person.user_id == user_id)
    )
    if person is None:
        person = Person(organisation_id=school.organisation_id, user_id=user_id, created_at=now)
        session.add(person)
    person.current_school_id = school.id
    return person


def find_or_create_school(
    session: Session,
    platform: str,
    workspace_id: str,
    defaults: SchoolDefaults,
    now: datetime,
    enterprise_id: str | None = None,
) -> School:
    """The school a person of this workspace acts in: for now each organisation's first school, made
    (with its organisation) on first contact, so a single-school workspace never sees the concept."""
    organisation = find_or_create_organisation(session, platform, workspace_id, now)
    school = session.scalar(
        select(School).where(School.organisation_id == organisation.id).order_by(School.id).limit(1)
    )
    if school is None:
        school = School(
            organisation=organisation,
            platform=platform,
            workspace_id=workspace_id,
            enterprise_id=enterprise_id,
            timezone=defaults.timezone,
            language=defaults.language,
            thresholds={},
            created_at=now,
        )
        session.add(school)
        session.flush()
    elif enterprise_id and school.enterprise_id != enterprise_id:
        # A workspace that joined a Grid org (or was installed before we kept the org).
        school.enterprise_id = enterprise_id
    return school


def find_or_create_member(
    session: Session, school: School, user_id: str, now: datetime, display_name: str = ""
) -> Member:
    """The member, created on first sight; the platform's name for them is kept if it may be kept."""
    display_name = platform_name(display_name, NAME_MAX)
    member = session.scalar(select(Member).where(Member.school_id == school.id, Member.user_id == user_id))
    if member is None:
        member = Member(school=school, user_id=user_id, display_name=display_name, created_at=now)
        session.add(member)
        session.flush()
    elif display_name and not member.display_name:
        member.display_name = display_name
    return member


def resolve_actor(session: Session, caller: Caller, defaults: SchoolDefaults, now: datetime) -> Member:
    if not (usable_id(caller.workspace_id) and usable_id(caller.user_id)):
        raise Refused(N_("I cannot tell who you are from this message."))
    school = find_or_create_school(
        session, caller.platform, caller.workspace_id, defaults, now, caller.enterprise_id
    )
    member = find_or_create_member(session, school, caller.user_id, now, caller.display_name)
    remember_person(session, school, caller.user_id, now)
    # Configured coordinators are coordinators from their first message on (and bound to this
    # school even if already coordinator here); so is the installer of an org-wide install, in
    # the first school of the org where they act.
    configured = configured_here(session, school, caller.user_id, defaults.coordinators, bind=True)
    if not member.is_coordinator and (configured or _claims_org_install(session, school, member, now)):
        member.is_coordinator = True
    return member


def configured_here(
    session: Session, school: School, user_id: str, coordinators: frozenset[str], bind: bool = False
) -> bool:
    """Whether MENTORBOT_COORDINATORS makes `user_id` a coordinator of this school.

    "WORKSPACE:USER" names them for that workspace only. A bare "USER" is bound to the first school
    where they act (`bind`) and names them for no other, so the same id in a second workspace (a
    Grid user is the same person in every workspace of the org) gains nothing there.
    """
    if f"{school.workspace_id}:{user_id}" in coordinators:
        return True
    if user_id not in coordinators:
        return False
    bound = session.scalar(
        select(BoundCoordinator.school_id).where(
            BoundCoordinator.platform == school.platform, BoundCoordinator.user_id == user_id
        )
    )
    if bound is None and bind:
        session.add(BoundCoordinator(platform=school.platform, user_id=user_id, school_id=school.id))
        return True
    return bound == school.id


def _claims_org_install(session: Session, school: School, member: Member, now: datetime) -> bool:
    """The first org-wide install's installer, acting in a school of that org that none has claimed."""
    if not school.enterprise_id:
        return False
    first = session.scalar(
        select(FirstInstall).where(
            FirstInstall.platform == school.platform,
            FirstInstall.installed_into == school.enterprise_id,
            FirstInstall.org_wide.is_(True),
            FirstInstall.school_id.is_(None),
            FirstInstall.installer_user_id == member.user_id,
        )
    )
    if first is None:
        return False
    first.school_id = school.id
    record(session, member, school.id, "app.install", "organisation", school.enterprise_id, now)
    return True


def language_of(member: Member) -> str:
    return member.language or member.school.language
