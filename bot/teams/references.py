"""Conversation references: captured from every authenticated activity, used to write proactively.

A person is stored under their member user id (their Entra object id), with their Teams id
("29:...") so a mention of them can be recognised. A channel is stored under the short name the
school's EHT channel gets when a coordinator runs `eht` in it.
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
        return Reference(row.service_url, row.conversation_id, row.display_name) if row else None


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
