"""Importing a roster: many `code,name,grade,class,mentor` rows, each saved whole or refused whole.

`parse_roster` splits pasted text into rows (or says why a line cannot be read); `import_row` is
one use case per row, so the caller runs each row in its own transaction: a row that fails half
way (student added, mentor refused) leaves nothing behind, and the other rows are unaffected.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handlers.access import require_role
from handlers.commands import parse_mention
from handlers.mentorships import assign
from handlers.results import Outcome
from handlers.students import add_student
from handlers.typed_fields import UNREADABLE
from models import Member, Role
from models.messages import N_, Message, Refused, msg
from models.typed_text import unreadable

MAX_ROWS = 500
HEADER = ("code", "name", "grade", "class", "mentor")


@dataclass(frozen=True)
class RosterRow:
    line: int
    code: str
    name: str = ""
    grade: str = ""
    class_name: str = ""
    mentor: str = ""


@dataclass(frozen=True)
class RosterProblem:
    line: int
    reason: Message


def parse_roster(text: str) -> list[RosterRow | RosterProblem]:
    """Rows separated by commas (or semicolons, as Swedish spreadsheets export); header and blanks skipped."""
    rows: list[RosterRow | RosterProblem] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if unreadable(line):
            rows.append(RosterProblem(number, msg(UNREADABLE)))
            continue
        delimiter = ";" if line.count(";") > line.count(",") else ","
        cells = [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]
        if [c.lower() for c in cells[:2]] in (["code", "name"], ["kod", "namn"]):
            continue
        if len(cells) > len(HEADER) or not cells[0]:
            rows.append(
                RosterProblem(number, msg(N_("Expected code,name,grade,class,mentor (at most 5 values).")))
            )
            continue
        rows.append(RosterRow(number, *(cells + [""] * (len(HEADER) - len(cells)))))
        if len(rows) > MAX_ROWS:
            return [RosterProblem(number, msg(N_("At most {max} rows at a time."), max=MAX_ROWS))]
    return rows


def import_row(session: Session, actor: Member, now: datetime, row: RosterRow) -> Outcome:
    """Register the student and, if a mentor is named, assign them; refusals undo the whole row."""
    grade: int | None = None
    if row.grade:
        if not row.grade.isdigit():
            raise Refused(N_("The grade must be between 5 and 9."))
        grade = int(row.grade)
    # An empty cell leaves a returning student's earlier value as it was.
    outcome = add_student(
        session,
        actor,
        now,
        code=row.code,
        name=row.name or None,
        grade=grade,
        class_name=row.class_name or None,
    )
    if row.mentor:
        mentor = row.mentor if row.mentor.startswith(("@", "<@")) else "@" + row.mentor
        try:
            mentor_id, mentor_name = parse_mention(mentor)
        except ValueError:
            raise Refused(
                N_("{mentor} is not a user: write @name or the member ID."), mentor=row.mentor[:40]
            ) from None
        assigned = assign(session, actor, now, row.code, mentor_id, mentor_name)
        outcome.notifications.extend(assigned.notifications)
    return outcome


def may_import(session: Session, actor: Member, now: datetime) -> Outcome:
    """Asked before an import starts, so a non-coordinator hears it once, not once per row."""
    require_role(actor, Role.COORDINATOR)
    return Outcome()
