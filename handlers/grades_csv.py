"""Grade warnings as a CSV file: every row checked before any is stored.

SS 12000 2.1.0 has grades but no grade warnings, and most systems keep a teacher's warning of F
(*varning för F*, *risk för F*) outside the standard; so warnings, and grades too for a school
without SS 12000, come as a spreadsheet: one row per student, subject and date, separated by
semicolons, with a header row. Columns are found by their header, in any order; other columns (a
name, a class, a teacher's comment, a personal identity number) are never read:

- `Elev-ID`, the school's person id for the student (as `student edit CODE id=...` gave it), or
  `Elevkod`, mentorbot's code for the student (for a file the coordinator writes by hand);
- `Ämne`: the subject, as a code (SV, SVA, EN, MA, or Skolverket's GRGRMAT01) or its Swedish name;
- `Datum`: the day of the warning or grade, YYYY-MM-DD;
- `Varning/betyg`: `Varning` (or `Varning för F`, `Risk för F`), `Ingen` (the warning withdrawn), or
  the grade: `F`, `-` (no grade), `A`-`E`.

A row in another subject is read and left out: the rules look at the core subjects only. Each row
is kept by its student, subject and date, so importing the same file again changes nothing and a
corrected file replaces the day. `parse_grades` returns the records with their line numbers, or
the problems: one bad row and the caller stores nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date

from handlers.attendance_csv import DELIMITER, MAX_ROWS, header_key, parse_day
from handlers.courses import CourseRecord, record_problem
from models.course import SignalKind, core_subject, grade_kind
from models.messages import N_, Message, Refused, msg

SOURCE = "CSV"
PERSON_ID, STUDENT_CODE, SUBJECT, DAY, VALUE = "Elev-ID", "Elevkod", "Ämne", "Datum", "Varning/betyg"
# What a warning cell says, folded: a warning of F, or the warning withdrawn.
WARNINGS = frozenset({"varning", "varning för f", "varning f", "risk för f", "risk f", "risk", "ja", "x"})
WITHDRAWN = frozenset({"ingen", "ingen varning", "återkallad", "återtagen", "nej"})


@dataclass
class ParsedGrades:
    records: list[tuple[int, CourseRecord]] = field(default_factory=list)
    problems: list[tuple[int, Message]] = field(default_factory=list)
    other_subjects: int = 0

    @property
    def rows_read(self) -> int:
        return len(self.records) + len(self.problems) + self.other_subjects


def _columns(header: list[str]) -> dict[str, int]:
    """Where each column is; refuses when the header lacks one."""
    at = {header_key(cell): index for index, cell in enumerate(header)}
    wanted = [header_key(name) for name in (SUBJECT, DAY, VALUE)]
    missing = [name for name, key in zip((SUBJECT, DAY, VALUE), wanted, strict=True) if key not in at]
    if missing or not ({header_key(PERSON_ID), header_key(STUDENT_CODE)} & at.keys()):
        raise Refused(
            N_(
                "The first line names the columns of a grade-warning file: {person} or {code}, and "
                "{subject}, {day} and {value}, separated by semicolons."
            ),
            person=PERSON_ID,
            code=STUDENT_CODE,
            subject=SUBJECT,
            day=DAY,
            value=VALUE,
        )
    return at


def signal_of(cell: str) -> SignalKind:
    """What a warning-or-grade cell says; ValueError with the reason when it says nothing known."""
    text = " ".join(cell.split()).casefold()
    if text in WARNINGS:
        return SignalKind.WARNING
    if text in WITHDRAWN:
        return SignalKind.WITHDRAWN
    kind = grade_kind(text)
    if kind is None:
        raise ValueError(
            msg(N_("The warning or grade is none of Varning, Ingen, F, - or a grade from A to E."))
        )
    return kind


def _record(at: dict[str, int], row: list[str]) -> CourseRecord | None:
    """One row as a record; None for another subject; ValueError carrying the reason."""

    def cell(name: str) -> str:
        index = at.get(header_key(name))
        return row[index].strip() if index is not None else ""

    subject_text = cell(SUBJECT)
    if not subject_text:
        raise ValueError(msg(N_("The subject is missing.")))
    day: date = parse_day(cell(DAY))
    kind = signal_of(cell(VALUE))
    subject = core_subject(subject_text)
    if subject is None:
        return None
    person_id = cell(PERSON_ID)
    return CourseRecord(
        subject,
        kind,
        day,
        ref=f"{subject}:{day.isoformat()}",
        person_id=person_id or None,
        student_code=None if person_id else cell(STUDENT_CODE),
    )


def parse_grades(text: str) -> ParsedGrades:
    """Every row of a grade-warning file checked; refuses when the header lacks a column."""
    reader = csv.reader(text.splitlines(), delimiter=DELIMITER)
    header = next((row for row in reader if any(c.strip() for c in row)), None)
    if header is None:
        raise Refused(N_("The file is empty."))
    at = _columns(header)
    parsed = ParsedGrades()
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if parsed.rows_read >= MAX_ROWS:
            raise Refused(N_("At most {max} rows at a time."), max=MAX_ROWS)
        if len(row) != len(header):
            count = msg(
                N_("Expected {expected} values, found {found}."), expected=len(header), found=len(row)
            )
            parsed.problems.append((line, count))
            continue
        try:
            record = _record(at, row)
        except ValueError as error:
            parsed.problems.append((line, error.args[0]))
            continue
        if record is None:
            parsed.other_subjects += 1
            continue
        problem = record_problem(record)
        student = (record.person_id or "code:" + (record.student_code or "")).casefold()
        key = (student, record.ref)
        if problem is None and key in seen:
            problem = msg(N_("The same student, subject and date as on line {other}."), other=seen[key])
        if problem is not None:
            parsed.problems.append((line, problem))
            continue
        seen[key] = line
        parsed.records.append((line, record))
    return parsed
