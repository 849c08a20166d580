"""Who is acting: a platform's (workspace, user) as a School and Member, created on first contact."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, School
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


@dataclass(frozen=True)
class SchoolDefaults:
    """What a new school starts with, from the configuration."""

    timezone: str = "Europe/Stockholm"
    language: str = "sv"
    coordinators: frozenset[str] = field(default_factory=frozenset)


def find_or_create_school(
    session: Session, platform: str, workspace_id: str, defaults: SchoolDefaults
) -> School:
    school = session.scalar(
        select(School).where(School.platform == platform, School.workspace_id == workspace_id)
    )
    if school is None:
        school = School(
            platform=platform,
            workspace_id=workspace_id,
            timezone=defaults.timezone,
            language=defaults.language,
            thresholds={},
        )
        session.add(school)
        session.flush()
    return school


def find_or_create_member(session: Session, school: School, user_id: str, display_name: str = "") -> Member:
    """The member, created on first sight; the platform's name for them is kept if it may be kept."""
    display_name = platform_name(display_name, NAME_MAX)
    member = session.scalar(select(Member).where(Member.school_id == school.id, Member.user_id == user_id))
    if member is None:
        member = Member(school=school, user_id=user_id, display_name=display_name)
        session.add(member)
        session.flush()
    elif display_name and not member.display_name:
        member.display_name = display_name
    return member


def resolve_actor(session: Session, caller: Caller, defaults: SchoolDefaults) -> Member:
    if not (usable_id(caller.workspace_id) and usable_id(caller.user_id)):
        raise Refused(N_("I cannot tell who you are from this message."))
    school = find_or_create_school(session, caller.platform, caller.workspace_id, defaults)
    member = find_or_create_member(session, school, caller.user_id, caller.display_name)
    # Configured coordinators are coordinators from their first message on.
    if caller.user_id in defaults.coordinators and not member.is_coordinator:
        member.is_coordinator = True
    return member


def language_of(member: Member) -> str:
    return member.language or member.school.language
