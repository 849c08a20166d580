"""`mentorbot attendance import FILE --school NAME`: a school's attendance export into mentorbot, whole
or not at all.

The file is read and every row checked first (handlers/attendance_csv); one bad row and nothing is
stored, and the report names every bad row with its line and reason, in the school's language. A
good file is stored in one transaction (handlers/attendance). Either way the school's sync status
says how it went, so the coordinator sees it with `attendance` in chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.i18n import translate
from bot.reports import find_schools
from handlers.attendance import record_failed_sync, store_attendance
from handlers.attendance_csv import PROFILES_BY_NAME, parse_export
from models import School
from models.db import Database
from models.messages import N_, Message, Refused, msg

# The source named in the sync status when the file does not say which system it came from.
UNKNOWN_SOURCE = "CSV"
# Bad rows listed in the report (the count says how many more there were).
SHOWN_PROBLEMS = 50


@dataclass(frozen=True)
class ImportResult:
    stored: bool
    lines: list[str]


def bad_rows(language: str, problems: Sequence[tuple[int, Message]], rows_read: int) -> list[str]:
    """The report of a file with bad rows: how many of how many, then each (up to SHOWN_PROBLEMS)."""
    summary = msg(
        N_("{bad} of {total} rows cannot be read, so nothing was stored:"), bad=len(problems), total=rows_read
    )
    lines = [translate(language, summary)]
    for line, reason in problems[:SHOWN_PROBLEMS]:
        row = translate(language, msg(N_("Row {line}"), line=line))
        lines.append(f"{row}: {translate(language, reason)}")
    return lines


def read_export(path: Path) -> str:
    """The file's text: UTF-8 (with or without a byte order mark), else Windows-1252 as Excel saves it."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def import_attendance(
    db: Database, text: str, *, school: str, profile: str | None, now: datetime
) -> ImportResult:
    """Check every row, then store all of them or none; `bot.reports.ReportError` for an unknown school."""
    with db.transaction() as session:
        (found,) = find_schools(session, school)
        school_id, language = found.id, found.language

    def say(message: Message) -> str:
        return translate(language, message)

    try:
        parsed = parse_export(text, profile)
    except Refused as refusal:
        source = PROFILES_BY_NAME[profile].source if profile in PROFILES_BY_NAME else UNKNOWN_SOURCE
        _failed(db, school_id, now, source, 0, say(refusal.message))
        return ImportResult(False, [say(refusal.message)])
    if parsed.problems:
        lines = bad_rows(language, parsed.problems, parsed.rows_read)
        summary = lines[0]
        _failed(db, school_id, now, parsed.profile.source, parsed.rows_read, summary.rstrip(":"))
        return ImportResult(False, lines)
    with db.transaction() as session:
        report = store_attendance(
            session,
            session.get_one(School, school_id),
            now,
            source=parsed.profile.source,
            records=[record for _line, record in parsed.records],
        )
    return ImportResult(
        True,
        [
            say(
                msg(
                    N_("{source}: {read} rows read, {stored} stored, not matched: {unmatched}."),
                    source=parsed.profile.source,
                    read=report.rows_read,
                    stored=report.rows_stored,
                    unmatched=report.students_unmatched,
                )
            )
        ],
    )


def _failed(db: Database, school_id: int, now: datetime, source: str, rows_read: int, error: str) -> None:
    with db.transaction() as session:
        record_failed_sync(
            session, session.get_one(School, school_id), now, source=source, rows_read=rows_read, error=error
        )
