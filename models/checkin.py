"""A check-in: what a mentor logged about a mentee — attendance, engagement, strengths, concern."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Enum, ForeignKey, Index, Text, select, type_coerce
from sqlalchemy.orm import Mapped, QueryableAttribute, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import flag_modified

from models import crypto
from models.base import Base, UTCDateTime
from models.crypto import EncryptedText
from models.db import Database
from models.mentorship import Mentorship
from models.people import Member
from models.plan import CasePlan
from models.student import Student


class CheckInKind(StrEnum):
    SCHEDULED = "scheduled"
    ADHOC = "adhoc"


class ConcernDomain(StrEnum):
    INDIVIDUAL = "individual"
    HOME = "home"
    SCHOOL = "school"


ENGAGEMENT_DIMENSIONS = ("behavioural", "academic", "cognitive", "affective")


class CheckIn(Base):
    __tablename__ = "check_in"
    __table_args__ = (Index("ix_check_in_student_recorded", "student_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    mentorship_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentorship.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[CheckInKind] = mapped_column(
        Enum(
            CheckInKind,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    met: Mapped[bool]

    # Attendance since the previous check-in.
    absent_days: Mapped[int] = mapped_column(default=0)
    absent_lessons: Mapped[int] = mapped_column(default=0)
    unexcused_days: Mapped[int] = mapped_column(default=0)
    unexcused_lessons: Mapped[int] = mapped_column(default=0)
    late_arrivals: Mapped[int] = mapped_column(default=0)
    # Asked when unexcused absence is logged: were the guardians told the same day (Skollagen 7 kap.
    # 17 §)? None when not asked or not answered.
    guardians_told: Mapped[bool | None]

    # The four engagement dimensions, 1-5; None when the mentor could not judge.
    behavioural: Mapped[int | None]
    academic: Mapped[int | None]
    cognitive: Mapped[int | None]
    affective: Mapped[int | None]

    # Free text is encrypted at rest (models/crypto.py); lengths are checked by the form.
    strengths: Mapped[str] = mapped_column(EncryptedText, default="")
    concern: Mapped[bool] = mapped_column(default=False)
    concern_domain: Mapped[ConcernDomain | None] = mapped_column(
        Enum(
            ConcernDomain,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # The most sensitive field: encrypted, never logged, never sent to a shared channel.
    note: Mapped[str] = mapped_column(EncryptedText, default="")
    # Set when the author took the check-in back (`checkin undo`): the record is kept, as records
    # are deleted only under the records plan, but it no longer counts anywhere (rules, trends,
    # history, caseload, digests). Queries that count check-ins filter on `withdrawn_at IS NULL`.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()
    mentorship: Mapped[Mentorship | None] = relationship()
    author: Mapped[Member | None] = relationship()

    def rating(self, dimension: str) -> int | None:
        return getattr(self, dimension)


# Every free-text column, by its table: a check-in's note and strengths, a plan's goal.
FREE_TEXT: tuple[tuple[type[CheckIn] | type[CasePlan], tuple[str, ...]], ...] = (
    (CheckIn, ("note", "strengths")),
    (CasePlan, ("goal",)),
)


def reencrypt_free_text(db: Database, batch: int = 500) -> int:
    """Write every free text (notes, strengths, plan goals) again with the newest key (after a key
    rotation); returns how many rows.

    A second pass writes again what another process saved with an older key while the first pass
    ran (it had not yet seen the new key file): after it, the older keys can go.
    """
    count = 0
    for model, columns in FREE_TEXT:
        count += _rewrite_free_text(db, model, columns, batch, everything=True)
        _rewrite_free_text(db, model, columns, batch, everything=False)
    return count


def _stored(column: QueryableAttribute[str]) -> ColumnElement[str]:
    """A free-text column as stored: encrypted, not decrypted."""
    return type_coerce(column, Text)


FreeTextModel = type[CheckIn] | type[CasePlan]


def _rewrite_free_text(
    db: Database, model: FreeTextModel, columns: tuple[str, ...], batch: int, everything: bool
) -> int:
    done, last_id = 0, 0
    key = model.id
    while True:
        with db.transaction() as session:
            rows = session.execute(
                select(key, *(_stored(getattr(model, column)) for column in columns))
                .where(key > last_id)
                .order_by(key)
                .limit(batch)
            ).all()
            ids = [
                row[0]
                for row in rows
                if everything or not all(crypto.with_newest_key(value) for value in row[1:])
            ]
            for item in session.scalars(select(model).where(key.in_(ids))):
                for column in columns:
                    flag_modified(item, column)
            done += len(ids)
        if len(rows) < batch:
            return done
        last_id = rows[-1][0]


def free_text_readable(session: Session) -> bool:
    """Whether the configured keys open the stored free text: the oldest and the newest encrypted
    value of each column are tried (a wrong key fails on every one of them)."""
    for model, column in ((model, column) for model, columns in FREE_TEXT for column in columns):
        stored = _stored(getattr(model, column))
        for order in (model.id.asc(), model.id.desc()):
            value = session.scalar(
                select(stored).where(stored.like(f"{crypto.PREFIX}%")).order_by(order).limit(1)
            )
            if value is not None and not crypto.readable(value):
                return False
    return True
