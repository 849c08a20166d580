"""Registered attendance from the school's own system: stored per student and school day, and the
coordinator's view of how the imports went (`attendance`, *närvaro*).

Every source (a CSV export, the SS 12000 client) hands `store_attendance` plain `AttendanceRecord`s
within the caller's one transaction. Students are found by the school's own person id for them
(`Student.person_id`, set with `student edit CODE id=...`), never by a personal identity number. A
record for an id no student of the programme has is counted and dropped: the school's system knows
every child in the school, mentorbot keeps only those in the programme. The same day from the same
source imported again replaces the earlier numbers, so a re-import changes nothing. A recent school
day with unexcused absence is noted for the mentor's question whether the guardians were told
(Skollagen 7 kap. 17 §, `handlers/guardians.py`), once per student and day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.access import require_role
from handlers.guardians import note_unexcused_absence
from handlers.results import Outcome
from models import AttendanceSync, Member, RegisteredAttendance, Role, School, Student
from models.messages import N_, Message, Refused, msg
from models.personnummer import looks_like_personnummer
from models.rules import RegisteredDay

PERSON_ID_MAX = 64
# SS 12000 ids are UUIDs; the exports use numbers or short codes. Nothing else is an id.
_PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
# A school day has at most this many minutes on the timetable (a sanity bound, not a rule).
DAY_MINUTES = 24 * 60
ERROR_MAX = 300
SOURCE_MAX = 40
# What a day's record says, named alike in the record, the table and the rules' RegisteredDay.
FIGURES = ("offered_minutes", "absent_minutes", "unexcused_minutes", "late_arrivals", "full_day")
# Students looked up per query, well below every database's parameter limit.
CHUNK = 500


@dataclass(frozen=True)
class AttendanceRecord:
    """One student's school day as the school's system registered it."""

    person_id: str
    day: date
    offered_minutes: int
    absent_minutes: int
    unexcused_minutes: int = 0
    late_arrivals: int = 0
    full_day: bool = False


@dataclass(frozen=True)
class StoreReport:
    rows_read: int
    rows_stored: int
    students_unmatched: int


def person_id_problem(text: str) -> Message | None:
    """Why `text` cannot be a person id from the school's system, or None when it can."""
    if looks_like_personnummer(text):
        return msg(
            N_(
                "That looks like a personal identity number, so nothing was saved. Use the school's own "
                "person id for the student, as its system shows it."
            )
        )
    if not text:
        return msg(N_("The person id is missing."))
    if len(text) > PERSON_ID_MAX or not _PERSON_ID.match(text):
        return msg(
            N_("A person id is at most {max} letters, digits and . _ : - (as the school's system shows it)."),
            max=PERSON_ID_MAX,
        )
    return None


def record_problem(record: AttendanceRecord) -> Message | None:
    """Why a record cannot be stored, or None. Never repeats the record's values beyond numbers."""
    problem = person_id_problem(record.person_id)
    if problem is not None:
        return problem
    numbers = (record.offered_minutes, record.absent_minutes, record.unexcused_minutes, record.late_arrivals)
    if any(n < 0 for n in numbers):
        return msg(N_("Minutes and late arrivals cannot be negative."))
    if record.offered_minutes > DAY_MINUTES:
        return msg(N_("More than {max} minutes offered in one day."), max=DAY_MINUTES)
    if record.absent_minutes > record.offered_minutes:
        return msg(
            N_("More minutes absent ({absent}) than offered ({offered})."),
            absent=record.absent_minutes,
            offered=record.offered_minutes,
        )
    if record.unexcused_minutes > record.absent_minutes:
        return msg(
            N_("More unexcused minutes ({unexcused}) than absent ({absent})."),
            unexcused=record.unexcused_minutes,
            absent=record.absent_minutes,
        )
    return None


def store_attendance(
    session: Session,
    school: School,
    now: datetime,
    *,
    source: str,
    records: Sequence[AttendanceRecord],
    rows_read: int | None = None,
) -> StoreReport:
    """Store a source's records for the school's students in the caller's transaction.

    Refuses (storing nothing) if any record is invalid. `rows_read`: the rows the source read, when
    it read more than it hands over. The school's sync status for `source` is updated.
    """
    if not 0 < len(source) <= SOURCE_MAX:
        raise ValueError(f"a source is named in 1 to {SOURCE_MAX} characters")
    for record in records:
        problem = record_problem(record)
        if problem is not None:
            raise Refused(problem.template, **problem.params)
    students = _students_by_person_id(session, school)
    latest: dict[tuple[int, date], AttendanceRecord] = {}  # the last record of a day wins
    unmatched: set[str] = set()
    for record in records:
        student_id = students.get(record.person_id.strip().casefold())
        if student_id is None:
            unmatched.add(record.person_id.strip().casefold())
        else:
            latest[(student_id, record.day)] = record
    existing = _existing(session, source, latest)
    for (student_id, day), record in latest.items():
        row = existing.get((student_id, day))
        if row is None:
            row = RegisteredAttendance(student_id=student_id, day=day, source=source)
            session.add(row)
        for name in FIGURES:
            setattr(row, name, getattr(record, name))
        row.imported_at = now
    unexcused = [(who, day, source) for (who, day), record in latest.items() if record.unexcused_minutes > 0]
    note_unexcused_absence(session, school, now, unexcused)
    report = StoreReport(len(records) if rows_read is None else rows_read, len(latest), len(unmatched))
    _record_sync(session, school, now, source, report, error=None)
    session.flush()
    return report


def record_failed_sync(
    session: Session, school: School, now: datetime, *, source: str, rows_read: int, error: str
) -> None:
    """A sync that stored nothing, and why (in words for the coordinator; no value from the rows)."""
    _record_sync(session, school, now, source, StoreReport(rows_read, 0, 0), error=error[:ERROR_MAX])


def registered_days(session: Session, student_id: int, after: date, until: date) -> list[RegisteredDay]:
    """A student's registered school days in (after, until], oldest first, as the rules read them.

    A day two sources registered counts once, as the one imported last says."""
    return [day for day, _source in registered_with_source(session, student_id, after, until)]


def registered_with_source(
    session: Session, student_id: int, after: date, until: date
) -> list[tuple[RegisteredDay, str]]:
    """`registered_days`, each with the source that registered it ("Skola24", "SS 12000", ...)."""
    rows = session.scalars(
        select(RegisteredAttendance)
        .where(RegisteredAttendance.student_id == student_id)
        .where(RegisteredAttendance.day > after, RegisteredAttendance.day <= until)
        .order_by(RegisteredAttendance.day, RegisteredAttendance.imported_at, RegisteredAttendance.id)
    ).all()
    by_day = {row.day: row for row in rows}
    return [
        (RegisteredDay(row.day, **{name: getattr(row, name) for name in FIGURES}), row.source)
        for row in by_day.values()
    ]


def _students_by_person_id(session: Session, school: School) -> dict[str, int]:
    """The school's students in the programme by their person id, as matched: trimmed, any case."""
    rows = session.execute(
        select(Student.person_id, Student.id).where(
            Student.school_id == school.id, Student.active.is_(True), Student.person_id.is_not(None)
        )
    ).all()
    return {person_id.strip().casefold(): student_id for person_id, student_id in rows}


def _existing(
    session: Session, source: str, days: Iterable[tuple[int, date]]
) -> dict[tuple[int, date], RegisteredAttendance]:
    wanted = set(days)
    if not wanted:
        return {}
    first, last = min(day for _s, day in wanted), max(day for _s, day in wanted)
    student_ids = sorted({student_id for student_id, _d in wanted})
    found: dict[tuple[int, date], RegisteredAttendance] = {}
    for start in range(0, len(student_ids), CHUNK):
        for row in session.scalars(
            select(RegisteredAttendance).where(
                RegisteredAttendance.student_id.in_(student_ids[start : start + CHUNK]),
                RegisteredAttendance.source == source,
                RegisteredAttendance.day.between(first, last),
            )
        ):
            found[(row.student_id, row.day)] = row
    return found


def _record_sync(
    session: Session, school: School, now: datetime, source: str, report: StoreReport, error: str | None
) -> None:
    sync = session.scalar(
        select(AttendanceSync).where(AttendanceSync.school_id == school.id, AttendanceSync.source == source)
    )
    if sync is None:
        sync = AttendanceSync(school_id=school.id, source=source)
        session.add(sync)
    sync.synced_at = now
    sync.rows_read, sync.rows_stored = report.rows_read, report.rows_stored
    sync.students_unmatched = report.students_unmatched
    sync.last_error = error


IMPORTED = N_(
    "{source}: last import {day} at {time}: {read} rows read, {stored} stored, not matched: {unmatched}."
)
IMPORT_STORED_NOTHING = N_("{source}: the last import stored nothing: {error}")


class SyncRecord(Protocol):
    """How the last read from one source of the school's system went (attendance, grades)."""

    source: str
    synced_at: datetime
    rows_read: int
    rows_stored: int
    students_unmatched: int
    last_error: str | None


def sync_lines(syncs: Iterable[SyncRecord], timezone: str, read: str, stored_nothing: str) -> list[Message]:
    """A line per source in the school's time: when it was last read, rows read and stored,
    students not matched; and, when the last read stored nothing, why. `read` and `stored_nothing`
    are the texts (N_) with those fields."""
    zone = ZoneInfo(timezone)
    lines: list[Message] = []
    for sync in syncs:
        local = sync.synced_at.astimezone(zone)
        lines.append(
            msg(
                read,
                source=sync.source,
                day=local.date(),
                time=f"{local:%H:%M}",
                read=sync.rows_read,
                stored=sync.rows_stored,
                unmatched=sync.students_unmatched,
            )
        )
        if sync.last_error:
            lines.append(msg(stored_nothing, source=sync.source, error=sync.last_error))
    return lines


def attendance_status(session: Session, actor: Member, now: datetime) -> Outcome:
    """How the imports from the school's system went, per source, and who still lacks a person id."""
    require_role(actor, Role.COORDINATOR)
    school = actor.school
    syncs = session.scalars(
        select(AttendanceSync).where(AttendanceSync.school_id == school.id).order_by(AttendanceSync.source)
    ).all()
    reply: list[Message] = []
    if not syncs:
        reply.append(msg(N_("No attendance has been imported from the school's system yet.")))
    reply.extend(sync_lines(syncs, school.timezone, IMPORTED, IMPORT_STORED_NOTHING))
    active = (Student.school_id == school.id) & Student.active.is_(True)
    students = session.scalar(select(func.count()).select_from(Student).where(active)) or 0
    without = (
        session.scalar(select(func.count()).select_from(Student).where(active, Student.person_id.is_(None)))
        or 0
    )
    if without:
        reply.append(
            msg(
                N_(
                    "{without} of {students} students have no person id from the school's system yet, "
                    "so their attendance cannot be matched: student edit CODE id=ID"
                ),
                without=without,
                students=students,
            )
        )
    return Outcome(reply=list(reply))
