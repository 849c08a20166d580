"""An intervention plan on a student's case: what the school does, towards which goal, who does it,
and when the owner looks again whether it worked.

Check & Connect pairs monitoring with a recorded intervention, and every early-warning flag is
only worth something if someone owns a next step with a date. A case has at most one plan in force
(`closed_at` is None); changing it keeps the same row, closing it records whether the goal was
met. The goal is free text about a child: encrypted at rest like a check-in's note, never on a
card in a shared channel, in a digest or in a log; only the EHT, coordinators and the people
responsible read it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.crypto import EncryptedText
from models.messages import N_, Message, msg
from models.people import Member

# The goal is a sentence or two, not a case file.
GOAL_MAX = 500


class PlanKind(StrEnum):
    """What the school does, in the words of the student health team."""

    CHECK_CONNECT_BASIC = "cc_basic"
    CHECK_CONNECT_INTENSIVE = "cc_intensive"
    GUARDIANS = "guardians"
    EHT_MEETING = "eht_meeting"
    REFERRAL = "referral"
    TEACHING = "teaching"
    OTHER = "other"


KIND_WORDS = {
    PlanKind.CHECK_CONNECT_BASIC: N_("Check & Connect, basic"),
    PlanKind.CHECK_CONNECT_INTENSIVE: N_("Check & Connect, intensive"),
    PlanKind.GUARDIANS: N_("talk with the guardians"),
    PlanKind.EHT_MEETING: N_("EHT meeting"),
    PlanKind.REFERRAL: N_("referral"),
    PlanKind.TEACHING: N_("adjustment in teaching"),
    PlanKind.OTHER: N_("other"),
}


def kind_words(kind: str) -> Message:
    """A kind of plan in words (an unknown one, from a newer release, as *other*)."""
    return msg(KIND_WORDS.get(kind, KIND_WORDS[PlanKind.OTHER]))


class PlanResult(StrEnum):
    """Whether the goal was met, said when the plan is closed."""

    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"


# The people responsible for a plan besides its owner (a teacher, the mentor, the counsellor).
plan_responsible = Table(
    "case_plan_responsible",
    Base.metadata,
    Column("plan_id", ForeignKey("case_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("member.id", ondelete="CASCADE"), primary_key=True),
)


class CasePlan(Base):
    __tablename__ = "case_plan"
    __table_args__ = (
        Index(
            "uq_case_plan_one_in_force_per_case",
            "case_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("alert_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Free text about a child: encrypted, never logged, never in a shared channel.
    goal: Mapped[str] = mapped_column(EncryptedText, default="")
    review_on: Mapped[date] = mapped_column(Date)
    # The review date the owner was prompted for: a new review date prompts again, a restart not.
    review_prompted_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(16))

    created_by: Mapped[Member | None] = relationship()
    responsible: Mapped[list[Member]] = relationship(secondary=plan_responsible, order_by=Member.user_id)
