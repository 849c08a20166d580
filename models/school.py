"""A school: its organisation (the workspace it lives in), time zone, language, EHT channel, breaks
and thresholds. Everything about children belongs to one school."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.organisation import Organisation


class School(Base):
    __tablename__ = "school"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    # The organisation's workspace, kept on the school too: where its messages go out. A Slack team
    # (also inside an Enterprise Grid org), a Teams tenant, or the local console.
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    # The Slack Enterprise Grid org the workspace belongs to (None outside Grid): an org-wide
    # install's bot token and its installer's role are found through it.
    enterprise_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Stockholm")
    language: Mapped[str] = mapped_column(String(2), default="sv")
    eht_channel: Mapped[str | None] = mapped_column(String(64))
    # The cadence of mentorships that have none of their own (RFC 5545 RRULE, local time).
    default_cadence: Mapped[str | None] = mapped_column(String(200))
    # How long check-ins, alerts, audit events and inactive students are kept, and the school
    # provider's deletion decision (gallringsbeslut) that says so, e.g. the records plan's number
    # and date. Records may be deleted only under such a decision: without one nothing is deleted.
    retention_days: Mapped[int | None]
    retention_decision: Mapped[str | None] = mapped_column(String(200))
    retention_ran_on: Mapped[date | None] = mapped_column(Date)
    # Overrides of the early-warning defaults; thresholds are configuration, not code.
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    breaks: Mapped[list[SchoolBreak]] = relationship(
        back_populates="school", cascade="all, delete-orphan", order_by="SchoolBreak.starts_on"
    )


class SchoolBreak(Base):
    """A school break (sportlov, påsklov, ...): no prompts are sent on its days."""

    __tablename__ = "school_break"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(60), default="")

    school: Mapped[School] = relationship(back_populates="breaks")
