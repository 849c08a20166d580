"""School set-up by coordinators: roles, the EHT channel; and each member's own language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import require_role
from handlers.actors import administers, configured_here, find_or_create_member, find_or_create_person
from handlers.results import Notification, Outcome, Recipient
from models import Member, Role
from models.audit import record
from models.messages import N_, Message, Refused, msg

ROLE_NAMES = {
    "coordinator": Role.COORDINATOR,
    "koordinator": Role.COORDINATOR,
    "mentor": Role.MENTOR,
    "eht": Role.EHT,
}
ROLE_WORDS = {
    Role.COORDINATOR: N_("coordinator"),
    Role.MENTOR: N_("mentor"),
    Role.EHT: N_("EHT (student health team)"),
}
LANGUAGES = ("sv", "en")


def change_role(
    session: Session,
    actor: Member,
    now: datetime,
    user_id: str,
    role: Role,
    granted: bool,
    configured_coordinators: frozenset[str] = frozenset(),
) -> Outcome:
    if not (role is Role.COORDINATOR and administers(session, actor)):
        require_role(actor, Role.COORDINATOR)  # an organisation admin appoints coordinators only
    if (
        not granted
        and role is Role.COORDINATOR
        and configured_here(session, actor.school, user_id, configured_coordinators)
    ):
        raise Refused(
            N_("@{user} is a coordinator through MENTORBOT_COORDINATORS; change the configuration instead."),
            user=user_id,
        )
    member = find_or_create_member(session, actor.school, user_id, now)
    if not granted and role is Role.COORDINATOR and member.id == actor.id:
        raise Refused(N_("You cannot remove your own coordinator role; ask another coordinator."))
    if member.has_role(role) == granted:
        template = (
            N_("@{user} already has the role {role}.")
            if granted
            else N_("@{user} does not have the role {role}.")
        )
        return Outcome.say(msg(template, user=user_id, role=msg(ROLE_WORDS[role])))
    member.set_role(role, granted)
    record(
        session,
        actor,
        actor.school_id,
        f"role.{'grant' if granted else 'revoke'}.{role.value}",
        "member",
        member.id,
        now,
    )
    if granted:
        return Outcome.say(
            msg(N_("@{user} now has the role {role}."), user=user_id, role=msg(ROLE_WORDS[role])),
            Notification(
                Recipient.person(user_id),
                msg(N_("You have been given the role {role}."), role=msg(ROLE_WORDS[role])),
            ),
        )
    return Outcome.say(
        msg(N_("@{user} no longer has the role {role}."), user=user_id, role=msg(ROLE_WORDS[role]))
    )


def set_eht_channel(
    session: Session, actor: Member, now: datetime, channel_id: str, channel_name: str | Message = ""
) -> Outcome:
    """Post alerts in this channel; the answer calls it `channel_name` where the platform knows better."""
    require_role(actor, Role.COORDINATOR)
    actor.school.eht_channel = channel_id
    record(session, actor, actor.school_id, "school.eht_channel", "school", actor.school_id, now)
    return Outcome.say(
        msg(
            N_("Alerts for the student health team will be posted in {channel}."),
            channel=channel_name or channel_id,
        ),
        Notification(
            Recipient.channel(channel_id),
            msg(N_("This channel now receives mentorbot's alerts for the student health team.")),
        ),
    )


def set_language(session: Session, actor: Member, now: datetime, language: str) -> Outcome:
    if language not in LANGUAGES:
        raise Refused(N_("Choose sv (Swedish) or en (English)."), usage="language")
    actor.language = language
    outcome = Outcome.say(
        msg(
            N_("I will speak English with you from now on.")
            if language == "en"
            else N_("I will speak Swedish with you from now on.")
        )
    )
    outcome.language = language
    return outcome


def lead_new_school(session: Session, actor: Member, now: datetime) -> Outcome:
    """The actor becomes coordinator of a school that has none yet; anywhere else nothing changes.

    The console's own school starts this way when no coordinators are configured: the person who
    opens it first runs it. Switching to another person later grants nothing.
    """
    led = session.scalar(
        select(Member.id).where(Member.school_id == actor.school_id, Member.is_coordinator.is_(True)).limit(1)
    )
    if led is not None:
        return Outcome()
    actor.set_role(Role.COORDINATOR, True)
    # ... and, trying it out, may add schools too (`school add`).
    find_or_create_person(session, actor.school.organisation, actor.user_id, now).is_admin = True
    record(session, actor, actor.school_id, "role.grant.coordinator", "member", actor.id, now)
    return Outcome.say(
        msg(N_("This school had no coordinator yet: @{user} is now its coordinator."), user=actor.user_id)
    )
