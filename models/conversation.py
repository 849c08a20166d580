"""Where a chat platform lets the bot write to a person or a channel on its own initiative.

Teams cannot message anyone out of the blue: the bot needs a conversation reference (service URL,
conversation id, tenant) captured when the app was installed or first spoken to. One row per
(platform, workspace, recipient); `recipient_id` is what notifications are addressed to (a
member's user id, or the channel name the school chose with `eht`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ReferenceKind(StrEnum):
    PERSON = "person"
    CHANNEL = "channel"


class ConversationReference(Base):
    __tablename__ = "conversation_reference"
    __table_args__ = (
        UniqueConstraint(
            "platform", "workspace_id", "kind", "recipient_id", name="uq_conversation_reference_recipient"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[str] = mapped_column(String(64))
    # The platform's own id of the person or channel (Teams: "29:..." or "19:...@thread.tacv2"),
    # used to recognise a mentioned person; it can be longer than our ids.
    platform_id: Mapped[str] = mapped_column(String(400), index=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    service_url: Mapped[str] = mapped_column(String(400))
    conversation_id: Mapped[str] = mapped_column(String(400))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
