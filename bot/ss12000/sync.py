"""The nightly attendance sync: each school's SS 12000 source read into registered attendance.

Per school, first the source is read with no database transaction open (the network may take
minutes with its retries); then one short transaction keeps the lessons read by their attendance
id, adds up again every student-day they touch from all its kept lessons, stores those days
(handlers/attendance.store_attendance, source "SS 12000") and advances the watermark. A sync that
dies on the way commits nothing: the old watermark stays and the next run reads the same lessons
again, replacing what it keeps by id, so nothing is counted twice.

Lessons carry the student's SS 12000 person id. A student in the programme is matched by that id,
or by one of the person's external identifiers (the school's pupil number) read from `/persons`,
whichever the coordinator gave with `student edit CODE id=...`.

The same night reads the grades changed since their own watermark (`/grades`, the first time the last
year's): what each grade in a core subject signals (an F, no grade, a pass) is kept per student by
the grade's id (handlers/courses.store_course_signals) in the same transaction, and the risk-of-F
rule reads it the next school day. A source need not offer grades: one that answers `/grades` with
404, 405 or 501 (or 403: this client may not read them), or fails on them tonight, is recorded for
the coordinator under grades, and the attendance is stored all the same (the grades' watermark
stays, so the next night reads them again).

A source that cannot be read (missing credentials, refused credentials, down after the client's
retries) is recorded for the coordinator in the school's language with `record_failed_sync`; the
other schools still sync. By the clock a school syncs once per school day, after `SYNC_HOUR` at
school: the marker is the latest school day before tonight, so a night missed catches up.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from bot.i18n import translate
from bot.ss12000.client import Credentials, Ss12000Client, Ss12000Error
from bot.ss12000.records import Grade, Lesson, Student, student_days
from handlers.attendance import AttendanceRecord, StoreReport, record_failed_sync, store_attendance
from handlers.attendance_source import credential_names
from handlers.courses import CourseRecord, record_failed_grade_sync, record_problem, store_course_signals
from handlers.failures import log_failure
from models import AttendanceSource, RegisteredAttendance, School, SourceLesson
from models import Student as ProgrammeStudent
from models.attendance_source import SYNC_HOUR, SYNC_ROUTINE
from models.calendar import SchoolCalendar
from models.db import Database
from models.messages import N_, Message, Refused, msg
from models.rules import COURSE_MEMORY
from schedules.routines import claim_day, has_run

log = logging.getLogger("mentorbot.ss12000")

SOURCE = "SS 12000"
# The first read of a source goes back this far: about a school term.
FIRST_READ = timedelta(days=120)
# Grades go back as far as the rules read them.
FIRST_GRADE_READ = COURSE_MEMORY
# Answers to `/grades` that say this source (or this client) has no grades to give.
NO_GRADES = frozenset({403, 404, 405, 501})
# Lessons looked up per query, well below every database's parameter limit.
CHUNK = 500
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class SchoolSync:
    school: str
    stored: bool
    line: str  # in the school's language, as the coordinator sees it


@dataclass(frozen=True)
class _Read:
    students: list[Student]
    lessons: list[Lesson]
    withdrawn: list[str]
    watermark: datetime


@dataclass(frozen=True)
class _Grades:
    """Tonight's read of grades: the grades and the new watermark, or why there are none."""

    grades: list[Grade]
    rows_read: int
    watermark: datetime | None  # None: not read; the stored watermark stays
    problem: Message | None = None


def school_day_to_sync(school: School, now: datetime) -> date | None:
    """The school day tonight's sync is for: the latest one before today, once `SYNC_HOUR` has passed."""
    local = now.astimezone(ZoneInfo(school.timezone))
    if local.hour < SYNC_HOUR:
        return None
    calendar = SchoolCalendar.for_school(school)
    day = local.date() - timedelta(days=1)
    for _ in range(366):
        if calendar.is_school_day(day):
            return day
        day -= timedelta(days=1)
    return None


def nightly_sync(db: Database, now: datetime, timezone: str, **options: object) -> list[SchoolSync]:
    """The clock's pass: every school with a source whose school day has not been synced yet.

    Once every such school is done, a marker for the night (the date in the installation's
    `timezone`) lets later ticks stop after one indexed lookup (schedules/waiting.py)."""
    synced = list(_sync(db, now, force=False, **options))  # type: ignore[arg-type]
    with db.transaction() as session:
        for source in session.scalars(select(AttendanceSource)):
            school = session.get_one(School, source.school_id)
            day = school_day_to_sync(school, now)
            if day is None or not has_run(session, _marker(school), day):
                return synced  # a school still to sync (a source down is recorded, so it is done)
        claim_day(session, SYNC_ROUTINE, now.astimezone(ZoneInfo(timezone)).date())
    return synced


def sync_now(
    db: Database, now: datetime, school_ids: Iterable[int] | None = None, **options: object
) -> list[SchoolSync]:
    """The operator's run (`mentorbot attendance sync`): the schools named, or all with a source, now."""
    return list(_sync(db, now, force=True, only=school_ids, **options))  # type: ignore[arg-type]


def _sync(
    db: Database,
    now: datetime,
    *,
    force: bool,
    only: Iterable[int] | None = None,
    environ: Mapping[str, str] = os.environ,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[SchoolSync]:
    wanted = None if only is None else set(only)
    with db.transaction() as session:
        due = []
        for source in session.scalars(select(AttendanceSource).order_by(AttendanceSource.school_id)):
            school = session.get_one(School, source.school_id)
            if wanted is not None and school.id not in wanted:
                continue
            day = school_day_to_sync(school, now)
            if not force and (day is None or has_run(session, _marker(school), day)):
                continue
            due.append((school.id, day))
    with httpx.Client(timeout=TIMEOUT) as http:
        for school_id, day in due:
            try:
                done = _sync_school(db, http, school_id, day, now, force=force, environ=environ, sleep=sleep)
            except Exception as exc:  # one school's fault must not stop the others'
                log_failure(f"attendance sync of school {school_id}", exc, log)
            else:
                if done is not None:
                    yield done


def _marker(school: School) -> str:
    return f"{SYNC_ROUTINE}:{school.id}"


def _sync_school(
    db: Database,
    http: httpx.Client,
    school_id: int,
    day: date | None,
    now: datetime,
    *,
    force: bool,
    environ: Mapping[str, str],
    sleep: Callable[[float], None],
) -> SchoolSync | None:
    """How the school's sync went; None when it was not this run's to do after all."""
    with db.transaction() as session:
        school = session.get_one(School, school_id)
        source = session.scalars(
            select(AttendanceSource).where(AttendanceSource.school_id == school_id)
        ).one()
        name, language, zone = school.name, school.language, ZoneInfo(school.timezone)
        base_url, unit_code = source.base_url, source.school_unit_code
        after = source.lessons_after or now - FIRST_READ
        grades_after = source.grades_after or now - FIRST_GRADE_READ
        names = credential_names(school)
    # The network, with no transaction open.
    try:
        credentials = Credentials.from_environment(name, environ)
        client = Ss12000Client(base_url, credentials, http, zone=zone, sleep=sleep)
        unit = client.school_unit(unit_code)
        students = client.students(unit, on=now.astimezone(zone).date())
        lessons = client.lessons(unit, modified_after=after)
        read = _Read(students, lessons.lessons, lessons.withdrawn, lessons.watermark)
        grades = _read_grades(client, unit, grades_after, names)
    except (Ss12000Error, ValueError) as error:
        problem = _in_words(str(error), names)
        log.warning("ss12000: school %s not synced: %s", school_id, error)
        with db.transaction() as session:
            school = session.get_one(School, school_id)
            if not force and day is not None and not claim_day(session, _marker(school), day):
                return None  # another worker synced it meanwhile
            record_failed_sync(
                session, school, now, source=SOURCE, rows_read=0, error=translate(language, problem)
            )
        return SchoolSync(name, False, translate(language, problem))
    # One short transaction: lessons, days, watermark, the night's marker, all or nothing.
    try:
        with db.transaction() as session:
            school = session.get_one(School, school_id)
            source = session.scalars(
                select(AttendanceSource).where(AttendanceSource.school_id == school_id)
            ).first()
            if source is None or (source.base_url, source.school_unit_code) != (base_url, unit_code):
                return None  # the coordinator changed or removed the source while it was read
            if not force and day is not None and not claim_day(session, _marker(school), day):
                return None
            report = _store(session, school, now, read)
            source.lessons_after = read.watermark
            graded = _store_grades(session, school, now, read.students, grades)
            if grades.watermark is not None:
                source.grades_after = grades.watermark
    except Refused as refusal:
        with db.transaction() as session:
            school = session.get_one(School, school_id)
            record_failed_sync(
                session,
                school,
                now,
                source=SOURCE,
                rows_read=len(read.lessons),
                error=translate(language, refusal.message),
            )
        return SchoolSync(name, False, translate(language, refusal.message))
    line = msg(
        N_("{source}: {read} rows read, {stored} stored, not matched: {unmatched}."),
        source=SOURCE,
        read=report.rows_read,
        stored=report.rows_stored,
        unmatched=report.students_unmatched,
    )
    if graded is None:
        assert grades.problem is not None
        grade_line = msg(N_("Grades: {problem}"), problem=grades.problem)
    else:
        grade_line = msg(
            N_("Grades: {read} rows read, {stored} stored, not matched: {unmatched}."),
            read=graded.rows_read,
            stored=graded.rows_stored,
            unmatched=graded.students_unmatched,
        )
    return SchoolSync(name, True, translate(language, line) + " " + translate(language, grade_line))


def _read_grades(client: Ss12000Client, unit: str, after: datetime, names: str) -> _Grades:
    """The grades changed since the watermark; a source without grades, or failing on them, is told."""
    try:
        read = client.grades(unit, modified_after=after)
    except Ss12000Error as error:
        log.warning("ss12000: grades not read: %s", error)
        if error.status in NO_GRADES:
            problem = msg(
                N_(
                    "the school's system gives mentorbot no grades (HTTP {status}); F warnings can be "
                    "imported from a file instead (mentorbot grades import)."
                ),
                status=error.status,
            )
        else:
            problem = _in_words(str(error), names)
        return _Grades([], 0, None, problem)
    return _Grades(read.grades, read.rows_read, read.watermark)


def _store_grades(
    session: Session, school: School, now: datetime, students: list[Student], grades: _Grades
) -> StoreReport | None:
    """Keep what tonight's grades signal, by grade id; None (and the reason recorded) when none were read."""
    if grades.problem is not None:
        record_failed_grade_sync(
            session, school, now, source=SOURCE, rows_read=0, error=translate(school.language, grades.problem)
        )
        return None
    match = _matcher(session, school, students)
    records = [
        CourseRecord(
            grade.subject, grade.kind, grade.registered, grade.grade_id, person_id=match(grade.person_id)
        )
        for grade in grades.grades
    ]
    # An id the standard allows but a person id cannot be is simply not matched: it must not cost the
    # night's attendance.
    records = [record for record in records if record_problem(record) is None]
    return store_course_signals(
        session, school, now, source=SOURCE, records=records, rows_read=grades.rows_read
    )


def _in_words(error: str, names: str) -> Message:
    """What the coordinator is told: what went wrong and who can mend it, never an answer's body."""
    if error.startswith("missing ") or "CLIENT_SECRET_FILE" in error:
        return msg(
            N_("the server has no credentials for the school's system yet; the operator sets {names}."),
            names=names,
        )
    if error.startswith("token endpoint refused"):
        return msg(N_("the school's system refused mentorbot's credentials; the operator checks them."))
    if "school units have the code" in error:
        return msg(N_("the school's system knows no single school unit with that code."))
    if error.startswith("must be an https"):
        return msg(N_("the token address in the server's settings is not https; the operator corrects it."))
    return msg(
        N_("the school's system could not be read ({detail}); the next night tries again."), detail=error
    )


def _store(session: Session, school: School, now: datetime, read: _Read):
    """Keep the lessons by attendance id, then store every touched student-day added up anew."""
    kept = _kept(session, school, [lesson.attendance_id for lesson in read.lessons] + read.withdrawn)
    touched: set[tuple[str, date]] = set()
    for attendance_id in read.withdrawn:
        row = kept.get(attendance_id)
        if row is not None:
            touched.add((row.person_id, row.day))
            session.delete(row)
    for lesson in read.lessons:
        row = kept.get(lesson.attendance_id)
        if row is None:
            row = SourceLesson(school_id=school.id, attendance_id=lesson.attendance_id)
            session.add(row)
            kept[lesson.attendance_id] = row
        else:
            touched.add((row.person_id, row.day))  # the day it was on before, if it moved
        row.person_id, row.day = lesson.person_id, lesson.day
        row.offered_minutes = lesson.offered_minutes
        row.absent_minutes = lesson.absent_minutes
        row.unexcused_minutes = lesson.unexcused_minutes
        touched.add((lesson.person_id, lesson.day))
    session.flush()
    days = student_days(_lessons_on(session, school, touched))
    match = _matcher(session, school, read.students)
    records = [
        AttendanceRecord(
            match(day.person_id),
            day.day,
            day.offered_minutes,
            day.absent_minutes,
            day.unexcused_minutes,
            day.late_count,
            day.full_day,
        )
        for day in days
    ]
    _forget_emptied(session, school, match, touched - {(day.person_id, day.day) for day in days})
    rows_read = len(read.lessons) + len(read.withdrawn)
    return store_attendance(session, school, now, source=SOURCE, records=records, rows_read=rows_read)


def _kept(session: Session, school: School, attendance_ids: list[str]) -> dict[str, SourceLesson]:
    found: dict[str, SourceLesson] = {}
    for start in range(0, len(attendance_ids), CHUNK):
        for row in session.scalars(
            select(SourceLesson).where(
                SourceLesson.school_id == school.id,
                SourceLesson.attendance_id.in_(attendance_ids[start : start + CHUNK]),
            )
        ):
            found[row.attendance_id] = row
    return found


def _lessons_on(session: Session, school: School, days: set[tuple[str, date]]) -> list[Lesson]:
    """Every kept lesson of the touched student-days."""
    wanted = sorted(days)
    lessons = []
    for start in range(0, len(wanted), CHUNK):
        for row in session.scalars(
            select(SourceLesson).where(
                SourceLesson.school_id == school.id,
                tuple_(SourceLesson.person_id, SourceLesson.day).in_(wanted[start : start + CHUNK]),
            )
        ):
            lessons.append(
                Lesson(
                    row.attendance_id,
                    row.person_id,
                    row.day,
                    row.offered_minutes,
                    row.absent_minutes,
                    row.unexcused_minutes,
                )
            )
    return lessons


def _matcher(session: Session, school: School, students: list[Student]) -> Callable[[str], str]:
    """SS 12000 person id -> the person id the coordinator gave the student (that id, or a pupil number)."""
    given = {
        person_id.strip().casefold(): person_id
        for person_id in session.scalars(
            select(ProgrammeStudent.person_id).where(
                ProgrammeStudent.school_id == school.id, ProgrammeStudent.person_id.is_not(None)
            )
        )
    }
    by_person: dict[str, str] = {}
    for student in students:
        for _context, value in student.external_ids:
            if value.strip().casefold() in given:
                by_person.setdefault(student.person_id, given[value.strip().casefold()])

    def match(person_id: str) -> str:
        return by_person.get(person_id, person_id)

    return match


def _forget_emptied(
    session: Session, school: School, match: Callable[[str], str], days: set[tuple[str, date]]
) -> None:
    """Days whose every lesson was withdrawn at the source (cancelled, unreported) are registered no more."""
    if not days:
        return
    ids = defaultdict(set)
    for person_id, day in days:
        ids[match(person_id).strip().casefold()].add(day)
    students = session.execute(
        select(ProgrammeStudent.id, ProgrammeStudent.person_id).where(
            ProgrammeStudent.school_id == school.id, ProgrammeStudent.person_id.is_not(None)
        )
    ).all()
    for student_id, person_id in students:
        emptied = ids.get(person_id.strip().casefold())
        if emptied:
            session.execute(
                delete(RegisteredAttendance).where(
                    RegisteredAttendance.student_id == student_id,
                    RegisteredAttendance.source == SOURCE,
                    RegisteredAttendance.day.in_(sorted(emptied)),
                )
            )
