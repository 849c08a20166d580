"""Course signals from the school's own system: stored per student, and the coordinator's view of
how the grade imports went (part of `attendance`, *närvaro*).

Every source (the SS 12000 sync's `/grades`, a CSV of grade warnings) hands `store_course_signals`
plain `CourseRecord`s within the caller's one transaction. A student is found by the school's own
person id for them (`Student.person_id`), or, in a CSV the coordinator wrote, by mentorbot's code
for them; never by a personal identity number. A record for someone not in the programme is
counted and dropped. A record is kept by its identity at the source (`ref`), so the same grade or
row read again replaces what was kept: a re-import changes nothing, a grade changed at the source
from F to E is no longer an F.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.attendance import ERROR_MAX, SOURCE_MAX, StoreReport, person_id_problem, sync_lines
from models import CourseSignal, CourseSync, School, Student
from models.course import CORE_SUBJECTS, SignalKind
from models.messages import N_, Message, Refused, msg
from models.personnummer import looks_like_personnummer
from models.rules import COURSE_MEMORY, CourseMark

REF_MAX = 80
CODE_MAX = 20
# Students looked up per query, well below every database's parameter limit.
CHUNK = 500


@dataclass(frozen=True)
class CourseRecord:
    """One signal in a core subject for one student: by person id, or (CSV only) by student code."""

    subject: str  # SV, SVA, EN, MA
    kind: SignalKind
    day: date
    ref: str
    person_id: str | None = None
    student_code: str | None = None


def record_problem(record: CourseRecord) -> Message | None:
    """Why a record cannot be stored, or None."""
    if record.person_id is not None:
        problem = person_id_problem(record.person_id)
        if problem is not None:
            return problem
    elif not record.student_code:
        return msg(N_("The student's person id or code is missing."))
    elif looks_like_personnummer(record.student_code):
        return person_id_problem(record.student_code)
    elif len(record.student_code) > CODE_MAX:
        return msg(N_("A student code is at most {max} characters."), max=CODE_MAX)
    if record.subject not in CORE_SUBJECTS:
        return msg(N_("The subject is not Swedish, Swedish as a second language, English or mathematics."))
    if not 0 < len(record.ref) <= REF_MAX:
        return msg(N_("The row has no identity at its source of at most {max} characters."), max=REF_MAX)
    return None


def store_course_signals(
    session: Session,
    school: School,
    now: datetime,
    *,
    source: str,
    records: Sequence[CourseRecord],
    rows_read: int | None = None,
) -> StoreReport:
    """Store a source's course signals for the school's students in the caller's transaction.

    Refuses (storing nothing) if any record is invalid. `rows_read`: the rows the source read, when
    it read more than it hands over (other subjects, other scales). The school's status for `source`
    is updated.
    """
    if not 0 < len(source) <= SOURCE_MAX:
        raise ValueError(f"a source is named in 1 to {SOURCE_MAX} characters")
    for record in records:
        problem = record_problem(record)
        if problem is not None:
            raise Refused(problem.template, **problem.params)
    by_person, by_code = _students(session, school)
    latest: dict[tuple[int, str], CourseRecord] = {}  # the last record with an identity wins
    unmatched: set[str] = set()
    for record in records:
        if record.person_id is not None:
            key = record.person_id.strip().casefold()
            student_id = by_person.get(key)
        else:
            key = "code:" + (record.student_code or "").strip().casefold()
            student_id = by_code.get(key.removeprefix("code:"))
        if student_id is None:
            unmatched.add(key)
        else:
            latest[(student_id, record.ref)] = record
    existing = _existing(session, source, {student_id for student_id, _ref in latest})
    for (student_id, ref), record in latest.items():
        row = existing.get((student_id, ref))
        if row is None:
            row = CourseSignal(student_id=student_id, source=source, ref=ref)
            session.add(row)
        row.subject, row.kind, row.day = record.subject, record.kind.value, record.day
        row.imported_at = now
    report = StoreReport(len(records) if rows_read is None else rows_read, len(latest), len(unmatched))
    _record_sync(session, school, now, source, report, error=None)
    session.flush()
    return report


def record_failed_grade_sync(
    session: Session, school: School, now: datetime, *, source: str, rows_read: int, error: str
) -> None:
    """A read of grades that stored nothing, and why (in words for the coordinator)."""
    _record_sync(session, school, now, source, StoreReport(rows_read, 0, 0), error=error[:ERROR_MAX])


def course_marks(session: Session, student_id: int, until: date) -> list[CourseMark]:
    """A student's course signals the rules still read on `until`, oldest first (a day in import order)."""
    rows = session.scalars(
        select(CourseSignal)
        .where(CourseSignal.student_id == student_id)
        .where(CourseSignal.day > until - COURSE_MEMORY, CourseSignal.day <= until)
        .order_by(CourseSignal.day, CourseSignal.imported_at, CourseSignal.id)
    ).all()
    return [CourseMark(row.subject, row.kind, row.day) for row in rows]


def all_course_marks(session: Session, student_id: int) -> list[CourseMark]:
    """Every course signal of a student, oldest first: what a backtest replays."""
    rows = session.scalars(
        select(CourseSignal)
        .where(CourseSignal.student_id == student_id)
        .order_by(CourseSignal.day, CourseSignal.imported_at, CourseSignal.id)
    ).all()
    return [CourseMark(row.subject, row.kind, row.day) for row in rows]


GRADES_READ = N_(
    "Grades and F warnings from {source}: last read {day} at {time}: {read} rows read, "
    "{stored} stored, not matched: {unmatched}."
)
GRADES_STORED_NOTHING = N_("Grades and F warnings from {source}: the last read stored nothing: {error}")


def grade_status(session: Session, school: School) -> list[Message]:
    """How the reads of grades and F warnings went, per source, for `attendance`."""
    syncs = session.scalars(
        select(CourseSync).where(CourseSync.school_id == school.id).order_by(CourseSync.source)
    )
    return sync_lines(syncs, school.timezone, GRADES_READ, GRADES_STORED_NOTHING)


def _students(session: Session, school: School) -> tuple[dict[str, int], dict[str, int]]:
    """The school's active students by person id and by code, as matched: trimmed, any case."""
    rows = session.execute(
        select(Student.person_id, Student.code, Student.id).where(
            Student.school_id == school.id, Student.active.is_(True)
        )
    ).all()
    by_person = {p.strip().casefold(): student_id for p, _c, student_id in rows if p is not None}
    by_code = {code.strip().casefold(): student_id for _p, code, student_id in rows}
    return by_person, by_code


def _existing(session: Session, source: str, student_ids: set[int]) -> dict[tuple[int, str], CourseSignal]:
    found: dict[tuple[int, str], CourseSignal] = {}
    ordered = sorted(student_ids)
    for start in range(0, len(ordered), CHUNK):
        for row in session.scalars(
            select(CourseSignal).where(
                CourseSignal.student_id.in_(ordered[start : start + CHUNK]), CourseSignal.source == source
            )
        ):
            found[(row.student_id, row.ref)] = row
    return found


def _record_sync(
    session: Session, school: School, now: datetime, source: str, report: StoreReport, error: str | None
) -> None:
    sync = session.scalar(
        select(CourseSync).where(CourseSync.school_id == school.id, CourseSync.source == source)
    )
    if sync is None:
        sync = CourseSync(school_id=school.id, source=source)
        session.add(sync)
    sync.synced_at = now
    sync.rows_read, sync.rows_stored = report.rows_read, report.rows_stored
    sync.students_unmatched = report.students_unmatched
    sync.last_error = error
