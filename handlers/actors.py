"""Who is acting: a platform's (workspace, user) as a Person of an Organisation, and the Member
of the school they act in; created on first contact.

A workspace (a Slack team, also inside an Enterprise Grid org, where the org's id is kept beside
it; a Teams tenant; the console) is one organisation, e.g. a municipality, holding one or more
schools. The first contact makes the organisation and its first school, so a single-school
workspace never sees the concept. Where there are several, a person acts in the school they chose
(`school NAME`, remembered on the Person), else in the one school where they hold a role; a button
or form acts in the school its message came from (`Caller.school_id`). Someone with no role in any
of several schools acts in none: only organisation-level commands answer them.

Nobody is coordinator of a school unless a coordinator of that school (or an organisation admin)
appointed them, they installed the app there first, or the configuration names them for it (see
`configured_here`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, String, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased

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
    # The school a pressed button or submitted form belongs to (the adapter reads it from the
    # card's own data); None: the school the person acts in now.
    school_id: int | None = None


@dataclass(frozen=True)
class SchoolDefaults:
    """What a new school starts with, from the configuration."""

    timezone: str = "Europe/Stockholm"
    language: str = "sv"
    # MENTORBOT_COORDINATORS: "WORKSPACE:USER" for one workspace, or a bare "USER" (see configured_here).
    coordinators: frozenset[str] = field(default_factory=frozenset)
    # MENTORBOT_ADMINS and MENTORBOT_PROGRAMME_LEADS, in the same two forms (see `configured_for`).
    admins: frozenset[str] = field(default_factory=frozenset)
    programme_leads: frozenset[str] = field(default_factory=frozenset)


NO_SCHOOL = N_(
    "You have no role in any school here yet. Ask your school's coordinator to give you one; "
    "type schools to see the schools."
)
NOT_YOUR_SCHOOL = N_("That message belongs to a school where you no longer have a role.")


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


def find_or_create_person(
    session: Session, organisation: Organisation, user_id: str, now: datetime
) -> Person:
    person = session.scalar(
        select(Person).where(Person.organisation_id == organisation.id, Person.user_id == user_id)
    )
    if person is None:
        person = Person(organisation_id=organisation.id, user_id=user_id, created_at=now)
        session.add(person)
        session.flush()
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
    else:
        _keep_name(member, display_name)
    return member


def _keep_name(member: Member, display_name: str) -> None:
    """A member first seen without a name (assigned by a coordinator) gets the platform's name."""
    if display_name and not member.display_name:
        member.display_name = display_name


def resolve_person(session: Session, caller: Caller, defaults: SchoolDefaults, now: datetime) -> Person:
    """The caller as a person of their organisation (made with its first school on first contact)."""
    if not (usable_id(caller.workspace_id) and usable_id(caller.user_id)):
        raise Refused(N_("I cannot tell who you are from this message."))
    school = find_or_create_school(
        session, caller.platform, caller.workspace_id, defaults, now, caller.enterprise_id
    )
    person = find_or_create_person(session, school.organisation, caller.user_id, now)
    if not person.is_admin and configured_for(caller.workspace_id, caller.user_id, defaults.admins):
        person.is_admin = True
    return person


def schools_of(session: Session, organisation_id: int) -> list[School]:
    return list(
        session.scalars(select(School).where(School.organisation_id == organisation_id).order_by(School.id))
    )


def role_school_ids(session: Session, person: Person) -> list[int]:
    """The schools of the person's organisation where they hold a role, oldest first."""
    return list(
        session.scalars(
            select(Member.school_id)
            .join(School, School.id == Member.school_id)
            .where(
                School.organisation_id == person.organisation_id,
                Member.user_id == person.user_id,
                Member.is_coordinator | Member.is_mentor | Member.is_eht,
            )
            .order_by(Member.school_id)
        )
    )


def acting_school(session: Session, person: Person, wanted: int | None = None) -> School | None:
    """The school the person acts in: `wanted` (a card's school) if they may, else the one they
    chose, else the first where they hold a role; the only school of a single-school workspace."""
    schools = schools_of(session, person.organisation_id)
    if wanted is not None and wanted not in {s.id for s in schools}:
        raise Refused(NOT_YOUR_SCHOOL)  # another organisation's school: never acted in
    if len(schools) == 1:
        return schools[0]
    allowed = {s.id for s in schools} if person.is_admin else set(role_school_ids(session, person))
    if wanted is not None:
        if wanted not in allowed:
            raise Refused(NOT_YOUR_SCHOOL)
        return next(s for s in schools if s.id == wanted)
    for school_id in (person.current_school_id, *sorted(allowed)):
        if school_id in allowed:
            return next(s for s in schools if s.id == school_id)
    return None


def sees_several_schools(session: Session, person: Person) -> bool:
    """Whether schools are a concept for this person: they work in (or administer) more than one."""
    if len(schools_of(session, person.organisation_id)) < 2:
        return False
    return person.is_admin or len(role_school_ids(session, person)) > 1


@dataclass(frozen=True)
class Standing:
    """A returning caller as a request needs them: their member row in the school they act in, their
    person, and how many schools they see (which decides whether answers name the school)."""

    member: Member
    person: Person
    # Held here too: the session keeps loaded rows only while something refers to them.
    school: School
    schools_in_organisation: int
    schools_with_a_role: int

    @property
    def sees_several_schools(self) -> bool:
        """As `sees_several_schools`, from the counts this statement read."""
        if self.schools_in_organisation < 2:
            return False
        return self.person.is_admin or self.schools_with_a_role > 1


def _returning_caller_statement() -> Select[Any]:
    """One statement for everything `resolve_person` and `member_in_school` read about a caller who
    has been here before: built once, run with the caller's ids as parameters."""
    other_school, role_school, first_school = aliased(School), aliased(School), aliased(School)
    role_member = aliased(Member)
    user = bindparam("user_id", type_=String)
    in_organisation = other_school.organisation_id == Person.organisation_id
    return (
        select(
            Person,
            School,
            Member,
            select(func.count(other_school.id)).where(in_organisation).scalar_subquery(),
            select(func.count(role_member.id))
            .join(role_school, role_school.id == role_member.school_id)
            .where(
                role_school.organisation_id == Person.organisation_id,
                role_member.user_id == user,
                role_member.is_coordinator | role_member.is_mentor | role_member.is_eht,
            )
            .scalar_subquery(),
            select(first_school.enterprise_id)
            .where(first_school.organisation_id == Person.organisation_id)
            .order_by(first_school.id)
            .limit(1)
            .scalar_subquery(),
            exists().where(
                FirstInstall.platform == School.platform,
                FirstInstall.installed_into == School.enterprise_id,
                FirstInstall.org_wide.is_(True),
                FirstInstall.school_id.is_(None),
                FirstInstall.installer_user_id == user,
            ),
        )
        .select_from(Organisation)
        .join(Person, and_(Person.organisation_id == Organisation.id, Person.user_id == user))
        .join(
            School,
            and_(
                School.organisation_id == Organisation.id,
                School.id == func.coalesce(bindparam("wanted", type_=Integer), Person.current_school_id),
            ),
        )
        .join(Member, and_(Member.school_id == School.id, Member.user_id == user))
        .where(
            Organisation.platform == bindparam("platform", type_=String),
            Organisation.workspace_id == bindparam("workspace_id", type_=String),
        )
    )


_RETURNING_CALLER = _returning_caller_statement()


def returning_caller(session: Session, caller: Caller, defaults: SchoolDefaults) -> Standing | None:
    """The caller's standing read in one statement, when nothing about them needs deciding or writing
    (the common case: someone who has acted here before, in a school where they may act).

    None sends the request the long way (`resolve_person`, `member_in_school`), which gives the same
    answer for such a caller and handles everything else: a first contact, a refusal, a school
    they may no longer act in, a configured coordinator or admin, a Grid org to note, an org-wide
    install to claim.
    """
    if not (usable_id(caller.workspace_id) and usable_id(caller.user_id)):
        return None
    row = session.execute(
        _RETURNING_CALLER,
        {
            "platform": caller.platform,
            "workspace_id": caller.workspace_id,
            "user_id": caller.user_id,
            "wanted": caller.school_id,
        },
    ).first()
    if row is None:
        return None
    person, school, member, schools, with_a_role, first_enterprise, install_to_claim = row
    may_act = schools == 1 or person.is_admin or bool(member.roles)
    left_to_decide = (
        (caller.enterprise_id is not None and first_enterprise != caller.enterprise_id)
        or (not person.is_admin and configured_for(caller.workspace_id, caller.user_id, defaults.admins))
        or configured_for(school.workspace_id, caller.user_id, defaults.coordinators)
        or (install_to_claim and not member.is_coordinator)
    )
    if not may_act or left_to_decide:
        return None
    _keep_name(member, platform_name(caller.display_name, NAME_MAX))
    return Standing(member, person, school, schools, with_a_role)


def resolve_actor(session: Session, caller: Caller, defaults: SchoolDefaults, now: datetime) -> Member:
    return member_in_school(session, caller, defaults, now, resolve_person(session, caller, defaults, now))


def member_in_school(
    session: Session, caller: Caller, defaults: SchoolDefaults, now: datetime, person: Person
) -> Member:
    """The person's Member row in the school they act in; refused when they act in none."""
    school = acting_school(session, person, caller.school_id)
    if school is None:
        raise Refused(NO_SCHOOL)
    if caller.school_id is None:
        person.current_school_id = school.id
    member = find_or_create_member(session, school, caller.user_id, now, caller.display_name)
    # Configured coordinators are coordinators from their first message on (and bound to this
    # school even if already coordinator here); so is the installer of an org-wide install, in
    # the first school of the org where they act.
    configured = configured_here(session, school, caller.user_id, defaults.coordinators, bind=True)
    if not member.is_coordinator and (configured or _claims_org_install(session, school, member, now)):
        member.is_coordinator = True
        if not configured:  # the org-wide installer also administers the organisation
            person.is_admin = True
    return member


def administers(session: Session, member: Member) -> bool:
    """Whether the member's person administers the organisation the member's school is in."""
    return bool(
        session.scalar(
            select(Person.is_admin).where(
                Person.organisation_id == member.school.organisation_id, Person.user_id == member.user_id
            )
        )
    )


def configured_for(workspace_id: str, user_id: str, configured: frozenset[str]) -> bool:
    """Whether a configured list ("WORKSPACE:USER" or a bare "USER") names this person."""
    return f"{workspace_id}:{user_id}" in configured or user_id in configured


def configured_here(
    session: Session, school: School, user_id: str, coordinators: frozenset[str], bind: bool = False
) -> bool:
    """Whether MENTORBOT_COORDINATORS makes `user_id` a coordinator of this school.

    "WORKSPACE:USER" names them for that workspace's first school only (the workspace's school
    before it held several; later schools get their coordinators from an organisation admin). A
    bare "USER" is bound to the first school where they act (`bind`) and names them for no other,
    so the same id in a second workspace (a Grid user is the same person in every workspace of the
    org) gains nothing there.
    """
    if f"{school.workspace_id}:{user_id}" in coordinators:
        first = session.scalar(
            select(School.id).where(School.organisation_id == school.organisation_id).order_by(School.id)
        )
        return first == school.id
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
