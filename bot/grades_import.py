"""`mentorbot grades import FILE --school NAME`: a school's grade warnings (and grades) into mentorbot,
whole or not at all.

The file is read and every row checked first (handlers/grades_csv); one bad row and nothing is
stored, and the report names every bad row with its line and reason, in the school's language. A
good file is stored in one transaction (handlers/courses). Either way the school's status says how
it went, so the coordinator sees it with `attendance` in chat; the risk-of-F rule reads what was
stored the next school day.
"""

from __future__ import annotations

from datetime import datetime

from bot.attendance_import import ImportResult, bad_rows
from bot.i18n import translate
from bot.reports import find_schools
from handlers.courses import record_failed_grade_sync, store_course_signals
from handlers.grades_csv import SOURCE, parse_grades
from models import School
from models.db import Database
from models.messages import N_, Message, Refused, msg


def import_grades(db: Database, text: str, *, school: str, now: datetime) -> ImportResult:
    """Check every row, then store all of them or none; `bot.reports.ReportError` for an unknown school."""
    with db.transaction() as session:
        (found,) = find_schools(session, school)
        school_id, language = found.id, found.language

    def say(message: Message) -> str:
        return translate(language, message)

    try:
        parsed = parse_grades(text)
    except Refused as refusal:
        _failed(db, school_id, now, 0, say(refusal.message))
        return ImportResult(False, [say(refusal.message)])
    if parsed.problems:
        lines = bad_rows(language, parsed.problems, parsed.rows_read)
        summary = lines[0]
        _failed(db, school_id, now, parsed.rows_read, summary.rstrip(":"))
        return ImportResult(False, lines)
    with db.transaction() as session:
        report = store_course_signals(
            session,
            session.get_one(School, school_id),
            now,
            source=SOURCE,
            records=[record for _line, record in parsed.records],
            rows_read=parsed.rows_read,
        )
    return ImportResult(
        True,
        [
            say(
                msg(
                    N_(
                        "Grades and F warnings: {read} rows read, {stored} stored, in other subjects: "
                        "{other}, not matched: {unmatched}."
                    ),
                    read=report.rows_read,
                    stored=report.rows_stored,
                    other=parsed.other_subjects,
                    unmatched=report.students_unmatched,
                )
            )
        ],
    )


def _failed(db: Database, school_id: int, now: datetime, rows_read: int, error: str) -> None:
    with db.transaction() as session:
        record_failed_grade_sync(
            session, session.get_one(School, school_id), now, source=SOURCE, rows_read=rows_read, error=error
        )
