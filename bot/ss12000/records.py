"""What mentorbot keeps from an SS 12000 source, as plain records, and the mapping that makes them.

The source answers in SS 12000 2.1.0 JSON (SIS TK450, openapi_ss12000_version2_1_0.yaml). This
module is the edge: `scrub` removes every `civicNo` (personnummer) from a decoded answer before
anything else reads it, and the records below hold only what the rules need — the student's
SS 12000 person id and the school's own identifiers, minutes per lesson and day, and what grades
in the core subjects signal (an F, no grade, a pass; not the letter). No names, no addresses, no
personnummer, not even in an identifier: an `externalIdentifiers` value that looks like a
personnummer is dropped too.

Minutes follow the standard's `Attendance` fields: `attendanceMinutes`, `validAbsenceMinutes`
(giltig frånvaro), `invalidAbsenceMinutes` (ogiltig frånvaro, "unexcused") and
`otherAttendanceMinutes` (elevråd and the like, which counts as present). SS 12000 2.1.0 has no
lateness field and no grade warnings; a lesson the student attended only in part (some minutes
present, some absent) is what the school's system records for a late arrival, so that is what
`late_count` counts.

A `Grade` (2.1.0: `gradeValue`, `registeredDate`, `finalGrade`, `trial`, `semester`, `year`,
`student`, `syllabus`) names its subject only through its syllabus (`subjectDesignation`,
`subjectCode`, `courseCode`). A grade whose syllabus is not svenska, svenska som andraspråk, engelska
or matematik, or whose value says nothing of F (another scale), is not kept; nor is a row the source
sent without the fields that say who, what and when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from models.course import SignalKind, core_subject, grade_kind
from models.personnummer import contains_personnummer

CIVIC_NO = "civicNo"


def scrub(value: Any) -> Any:
    """The decoded JSON without any `civicNo`, at any depth (also inside `_embedded` expansions)."""
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items() if key != CIVIC_NO}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


@dataclass(frozen=True)
class Student:
    """A student enrolled at the school unit: the SS 12000 person id and the school's own ids."""

    person_id: str
    external_ids: tuple[tuple[str, str], ...]  # (context, value), e.g. ("http://skola.se/elevnr", "4711")
    school_year: int | None


@dataclass(frozen=True)
class Lesson:
    """One reported lesson (an SS 12000 `Attendance` on a calendar event) for one student."""

    attendance_id: str
    person_id: str
    day: date
    offered_minutes: int
    absent_minutes: int
    unexcused_minutes: int


@dataclass(frozen=True)
class StudentDay:
    """Per student per school day: what the attendance rules read."""

    person_id: str
    day: date
    offered_minutes: int
    absent_minutes: int
    unexcused_minutes: int
    late_count: int
    full_day: bool


@dataclass(frozen=True)
class PeriodAttendance:
    """`/aggregatedAttendance` over a period, summed over the student's activities."""

    person_id: str
    start: date
    end: date
    offered_minutes: int
    absent_minutes: int
    unexcused_minutes: int


@dataclass(frozen=True)
class Grade:
    """A registered grade in a core subject (SV, SVA, EN, MA), as what it signals."""

    grade_id: str
    person_id: str
    subject: str
    kind: SignalKind
    registered: date


def timestamp(value: str) -> datetime:
    """An RFC 3339 date-time as the standard writes it ("2015-12-12T10:30:00+01:00", or with "Z")."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def student_from(person: dict[str, Any]) -> Student:
    identifiers = tuple(
        (str(item["context"]), str(item["value"]))
        for item in person.get("externalIdentifiers") or ()
        if not contains_personnummer(str(item.get("value", "")))
    )
    years = [e["schoolYear"] for e in person.get("enrolments") or () if e.get("schoolYear") is not None]
    return Student(str(person["id"]), identifiers, max(years) if years else None)


def lesson_from(attendance: dict[str, Any], event: dict[str, Any], zone: ZoneInfo) -> Lesson | None:
    """The lesson as minutes on the school's local day; None while unreported, or if it was cancelled."""
    if not attendance.get("isReported") or event.get("cancelled"):
        return None
    present = int(attendance.get("attendanceMinutes") or 0) + int(
        attendance.get("otherAttendanceMinutes") or 0
    )
    valid = int(attendance.get("validAbsenceMinutes") or 0)
    invalid = int(attendance.get("invalidAbsenceMinutes") or 0)
    start = timestamp(event["startTime"])
    offered = present + valid + invalid
    if offered == 0:  # reported without a split: the whole lesson, as the student's timetable has it
        length = timestamp(event["endTime"]) - start
        offered = int(event.get("teachingLengthStudent") or length.total_seconds() // 60)
    return Lesson(
        attendance_id=str(attendance["id"]),
        person_id=str(attendance["student"]["id"]),
        day=start.astimezone(zone).date(),
        offered_minutes=offered,
        absent_minutes=valid + invalid,
        unexcused_minutes=invalid,
    )


def student_days(lessons: Iterable[Lesson]) -> list[StudentDay]:
    """Lessons summed per student and day; a day is a full-day absence when no minute was attended."""
    by_day: dict[tuple[str, date], list[Lesson]] = defaultdict(list)
    for lesson in lessons:
        by_day[lesson.person_id, lesson.day].append(lesson)
    days = []
    for (person_id, day), group in sorted(by_day.items()):
        offered = sum(lesson.offered_minutes for lesson in group)
        absent = sum(lesson.absent_minutes for lesson in group)
        days.append(
            StudentDay(
                person_id=person_id,
                day=day,
                offered_minutes=offered,
                absent_minutes=absent,
                unexcused_minutes=sum(lesson.unexcused_minutes for lesson in group),
                late_count=sum(1 for lesson in group if 0 < lesson.absent_minutes < lesson.offered_minutes),
                full_day=offered > 0 and absent >= offered,
            )
        )
    return days


def period_attendance(rows: Iterable[dict[str, Any]]) -> list[PeriodAttendance]:
    """`AggregatedAttendance` rows (one per student and activity) summed per student."""
    sums: dict[tuple[str, date, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        key = (
            str(row["student"]["id"]),
            date.fromisoformat(row["startDate"]),
            date.fromisoformat(row["endDate"]),
        )
        valid, invalid = int(row.get("validAbsenceSum") or 0), int(row.get("invalidAbsenceSum") or 0)
        sums[key][0] += int(row.get("offeredSum") or 0)
        sums[key][1] += valid + invalid
        sums[key][2] += invalid
    return [PeriodAttendance(p, s, e, *figures) for (p, s, e), figures in sorted(sums.items())]


def syllabus_subject(syllabus: dict[str, Any]) -> str | None:
    """SV, SVA, EN or MA, read from the syllabus's designation or else Skolverket's codes."""
    for key in ("subjectDesignation", "subjectCode", "courseCode"):
        value = syllabus.get(key)
        if isinstance(value, str) and value.strip():
            return core_subject(value)
    return None


def grade_from(grade: dict[str, Any], syllabus: dict[str, Any] | None) -> Grade | None:
    """The grade as a signal in a core subject; None for another subject or scale, or a partial row."""
    subject = syllabus_subject(syllabus) if syllabus else None
    kind = grade_kind(str(grade.get("gradeValue") or ""))
    student = grade.get("student")
    if subject is None or kind is None or not grade.get("id"):
        return None
    if not isinstance(student, dict) or not student.get("id"):
        return None
    try:
        registered = date.fromisoformat(str(grade.get("registeredDate")))
    except ValueError:
        return None
    return Grade(str(grade["id"]), str(student["id"]), subject, kind, registered)
