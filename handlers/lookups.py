"""Finding students and members by what people type, always inside the actor's own school."""

from __future__ import annotations

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
