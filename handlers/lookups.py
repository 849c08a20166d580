"""Finding students and members by what people type, always inside the actor's own school."""

from __future__ import annotations

import difflib
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Student
from models.messages import N_, Refused
from models.personnummer import looks_like_personnummer
from models.typed_text import without_unreadable

CODE_PATTERN = re.compile(r"^[A-Za-z0-9ÅÄÖåäö][A-Za-z0-9ÅÄÖåäö._-]{0,19}$")


def normalise_code(raw: str) -> str:
    """Codes are case-insensitive: 7b-03 and 7B-03 are the same student."""
    code = raw.strip().upper()
    if looks_like_personnummer(code) or sum(ch.isdigit() for ch in code) >= 10:
        raise Refused(
            N_(
                "That code looks like a personal identity number. "
                "Use a pseudonymous code such as 7B-03, never a personnummer."
            )
        )
    if not CODE_PATTERN.fullmatch(code):
        raise Refused(
            N_("{code} is not a valid student code: use 1-20 letters, digits, '-', '_' or '.'."),
            code=without_unreadable(raw)[:30],
        )
    return code


def find_student(session: Session, school_id: int, raw_code: str, include_inactive: bool = False) -> Student:
    code = normalise_code(raw_code)
    student = session.scalar(select(Student).where(Student.school_id == school_id, Student.code == code))
    if student is None or (not student.active and not include_inactive):
        raise Refused(N_("There is no student with the code {code}."), code=code)
    return student


def find_member(session: Session, school_id: int, user_id: str) -> Member | None:
    return session.scalar(select(Member).where(Member.school_id == school_id, Member.user_id == user_id))


def member_named(session: Session, school_id: int, typed: str) -> Member | None:
    """The member whose id is `typed` in any letter case (@Åsa.Öberg is @åsa.öberg); the exact
    spelling wins, then the oldest. For platforms where people type names, not pick accounts."""
    exact = find_member(session, school_id, typed)
    if exact is not None:
        return exact
    wanted = typed.casefold()
    members = session.scalars(select(Member).where(Member.school_id == school_id).order_by(Member.id))
    return next((member for member in members if member.user_id.casefold() == wanted), None)


def closest_names(session: Session, school_id: int, typed: str, limit: int = 3) -> list[str]:
    """The known people's ids most like `typed` (a typo's likely meaning), closest first."""
    ids = session.scalars(select(Member.user_id).where(Member.school_id == school_id)).all()
    by_folded = {user_id.casefold(): user_id for user_id in reversed(ids)}
    close = difflib.get_close_matches(typed.casefold(), list(by_folded), n=limit, cutoff=0.6)
    return [by_folded[name] for name in close]


def known_person(session: Session, school_id: int, typed: str) -> Member:
    """A member named as typed (any case), or a refusal naming the closest known people."""
    member = member_named(session, school_id, typed)
    if member is not None:
        return member
    close = closest_names(session, school_id, typed)
    if close:
        raise Refused(
            N_("I do not know @{name}. Did you mean {names}? (Someone new: role add @{name} mentor)"),
            name=typed[:40],
            names=", ".join(f"@{name}" for name in close),
        )
    raise Refused(
        N_("I do not know @{name}. Someone new is added with: role add @{name} mentor"), name=typed[:40]
    )
