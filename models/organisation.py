"""Organisations and the people in them: a chat workspace holds many schools.

A Swedish municipality runs one Microsoft 365 tenant (or one Slack workspace, or one Enterprise
Grid organisation) for all its schools, so the workspace is an `Organisation` and each school in
it is a `School` with its own roster, EHT channel, thresholds and calendar. A `Person` is someone
in the organisation across its schools: which school they are acting in now (remembered, for
people who work in several), and whether they administer the organisation (create schools and
appoint each school's first coordinator). What a person may do with children's data is decided
per school, by their `Member` row there; administering the organisation grants none of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("platform", "workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A Slack team (or Grid organisation), a Teams tenant, or the local console.
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    # The school this person acts in when they belong to several (`school NAME` changes it).
    current_school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
