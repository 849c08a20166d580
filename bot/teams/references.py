"""Conversation references: captured from every authenticated activity, used to write proactively.

A person is stored under their member user id (their Entra object id), with their Teams id
("29:...") so a mention of them can be recognised, and their display name so nobody reads an
object id. A channel is stored under the short name the school's EHT channel gets when a
coordinator runs `eht` in it.

A person's row may know only their name (from a channel message, a card press, a mention or the
team's roster): its conversation stays empty until they write to the bot in a 1:1 chat or install
it, and `find` does not return it, so nothing meant for them goes to a channel by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import ConversationReference, ReferenceKind
from models.db import Database
from models.typed_text import platform_name

PLATFORM = "teams"


@dataclass(frozen=True)
class Reference:
    service_url: str
    conversation_id: str
    display_name: str


def remember(
    db: Database,
    tenant_id: str,
    kind: ReferenceKind,
    recipient_id: str,
    platform_id: str,
    display_name: str,
    service_url: str,
    conversation_id: str,
    now: datetime,
) -> None:
    """Insert or refresh a reference; the newest service URL wins (Microsoft may move a tenant)."""
    try:
        _upsert(
            db, tenant_id, kind, recipient_id, platform_id, display_name, service_url, conversation_id, now
        )
    except IntegrityError:
        # Two requests of the same person at once both inserted: the other one won, refresh it.
        _upsert(
            db, tenant_id, kind, recipient_id, platform_id, display_name, service_url, conversation_id, now
        )


def _upsert(
    db: Database,
    tenant_id: str,
    kind: ReferenceKind,
    recipient_id: str,
    platform_id: str,
    display_name: str,
    service_url: str,
    conversation_id: str,
    now: datetime,
) -> None:
    with db.transaction() as session:
        row = session.scalar(
            select(ConversationReference).where(
                ConversationReference.platform == PLATFORM,
                ConversationReference.workspace_id == tenant_id,
                ConversationReference.kind == kind.value,
                ConversationReference.recipient_id == recipient_id,
            )
        )
        if row is None:
            row = ConversationReference(
                platform=PLATFORM, workspace_id=tenant_id, kind=kind.value, recipient_id=recipient_id
            )
            session.add(row)
        row.platform_id = platform_id[:400]
        row.display_name = platform_name(display_name, 120) or row.display_name or ""
        row.service_url = service_url[:400]
        row.conversation_id = conversation_id[:400]
        row.updated_at = now


@dataclass(frozen=True)
class Person:
    """Who someone is in Teams: member user id (Entra object id), Teams id ("29:..."), display name."""

    user_id: str
    teams_id: str
    name: str


def learn_names(db: Database, tenant_id: str, people: list[Person], now: datetime) -> None:
    """Store or refresh people's names and Teams ids, keeping any conversation already stored."""
    for person in people:
        try:
            _learn(db, tenant_id, person, now)
        except IntegrityError:
            _learn(db, tenant_id, person, now)  # inserted at the same moment by another request


def _learn(db: Database, tenant_id: str, person: Person, now: datetime) -> None:
    with db.transaction() as session:
        row = session.scalar(
            select(ConversationReference).where(
                ConversationReference.platform == PLATFORM,
                ConversationReference.workspace_id == tenant_id,
                ConversationReference.kind == ReferenceKind.PERSON.value,
                ConversationReference.recipient_id == person.user_id,
            )
        )
        if row is None:
            row = ConversationReference(
                platform=PLATFORM,
                workspace_id=tenant_id,
                kind=ReferenceKind.PERSON.value,
                recipient_id=person.user_id,
                service_url="",
                conversation_id="",
            )
            session.add(row)
        teams_id, name = person.teams_id[:400], person.name[:120]
        # Written only when something changed: a channel message should not rewrite the row each time.
        if row.platform_id != teams_id or (name and row.display_name != name):
            row.platform_id = teams_id
            row.display_name = name or row.display_name or ""
            row.updated_at = now


def find(db: Database, tenant_id: str, kind: ReferenceKind, recipient_id: str) -> Reference | None:
    with db.transaction() as session:
        row = session.scalar(
            select(ConversationReference).where(
                ConversationReference.platform == PLATFORM,
                ConversationReference.workspace_id == tenant_id,
                ConversationReference.kind == kind.value,
                ConversationReference.recipient_id == recipient_id,
            )
        )
        if row is None or not row.conversation_id:
            return None  # unknown, or known only by name: no conversation to write into yet
        return Reference(row.service_url, row.conversation_id, row.display_name)


def person_with_teams_id(db: Database, tenant_id: str, teams_id: str) -> str | None:
    """The member user id of the person Teams knows as `teams_id` (a mention), if they used the app."""
    with db.transaction() as session:
        return session.scalar(
            select(ConversationReference.recipient_id).where(
                ConversationReference.platform == PLATFORM,
                ConversationReference.workspace_id == tenant_id,
                ConversationReference.kind == ReferenceKind.PERSON.value,
                ConversationReference.platform_id == teams_id,
            )
        )


def display_names(db: Database, tenant_id: str) -> dict[str, str]:
    """Member user id -> the name Teams shows, to write "@Anna Svensson" instead of an object id."""
    with db.transaction() as session:
        rows = session.execute(
            select(ConversationReference.recipient_id, ConversationReference.display_name).where(
                ConversationReference.platform == PLATFORM,
                ConversationReference.workspace_id == tenant_id,
                ConversationReference.kind == ReferenceKind.PERSON.value,
            )
        ).all()
    return {user_id: name for user_id, name in rows if name}
