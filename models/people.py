"""Members: the adults who use the bot, identified by their chat user id, and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.school import School


class Role(StrEnum):
    COORDINATOR = "coordinator"
    MENTOR = "mentor"
    EHT = "eht"


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("school_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(80), default="")
    # None means: use the school's language.
    language: Mapped[str | None] = mapped_column(String(2))
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    is_mentor: Mapped[bool] = mapped_column(default=False)
    is_eht: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    school: Mapped[School] = relationship()

    def has_role(self, role: Role) -> bool:
        return bool(getattr(self, f"is_{role.value}"))

    def set_role(self, role: Role, granted: bool) -> None:
        setattr(self, f"is_{role.value}", granted)

    @property
    def roles(self) -> list[Role]:
        return [role for role in Role if self.has_role(role)]
