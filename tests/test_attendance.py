"""Attendance from the school's own system: person ids, storing records, CSV exports of two
systems (a bad row stores nothing; a re-import changes nothing), the coordinator's status, the
rules counting from the registered minutes, and the migration that brings the tables."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy import func, select

from bot.attendance_import import import_attendance, read_export
from bot.reports import ReportError
from handlers.attendance import AttendanceRecord, store_attendance
from handlers.attendance_csv import parse_export
from models import AlertCase, AttendanceSync, RegisteredAttendance, School, Student, migrate
from models.calendar import SchoolCalendar
from models.db import Database
from models.messages import Refused
from models.rules import (
    CheckInFacts,
    RegisteredDay,
    Situation,
    attendance_over,
    attendance_rate,
    clears,
    evaluate,
    registered_rate,
    thresholds_for,
)
from schedules.retention import run_retention
from tests.driver import Driver

EXPORTS = Path(__file__).with_name("attendance_exports")
# A Friday in the week the exports' days are in; the exports are imported at this moment.
NOW = datetime(2026, 3, 6, 13, tzinfo=UTC)


@pytest.fixture
def school(bot: Driver) -> Driver:
    """Björkskolan: 7B-03 (person id S-1001) mentored by anna, 8A-11 (S-1002), 9A-07 without an id."""
    bot.now = NOW
    for line in (
        "school rename Björkskolan",
        "student add 7B-03",
        "student add 8A-11",
        "student add 9A-07",
        "assign 7B-03 @anna",
        "student edit 7B-03 id=S-1001",
        "student edit 8A-11 id=S-1002",
    ):
        assert not bot.say("admin", line).outcome.refused, line
    return bot


def rows(db: Database) -> list[tuple[str, date, int, int, int, int, bool, str]]:
    with db.transaction() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    Student.code,
                    RegisteredAttendance.day,
                    RegisteredAttendance.offered_minutes,
                    RegisteredAttendance.absent_minutes,
                    RegisteredAttendance.unexcused_minutes,
                    RegisteredAttendance.late_arrivals,
                    RegisteredAttendance.full_day,
                    RegisteredAttendance.source,
                )
                .join(Student)
                .order_by(Student.code, RegisteredAttendance.day, RegisteredAttendance.source)
            )
        ]


def sync(db: Database, source: str) -> AttendanceSync:
    with db.transaction() as session:
        found = session.scalars(select(AttendanceSync).where(AttendanceSync.source == source)).one()
        session.expunge(found)
        return found


def export(name: str) -> str:
    return read_export(EXPORTS / name)


# --- The school's person id for a student ----------------------------------------------------------


def test_a_person_id_is_set_changed_and_cleared_with_student_edit(school: Driver) -> None:
    assert "updated" in school.say("admin", "student edit 9A-07 id=5f0c-77aa").text
    refused = school.say("admin", "student edit 9A-07 id=S-1001")
    assert refused.outcome.refused and "7B-03 already has that person id." in refused.text
    school.say("admin", "student edit 9A-07 id=")
    with school.db.transaction() as session:
        ids = dict(session.execute(select(Student.code, Student.person_id)).all())
    assert ids == {"7B-03": "S-1001", "8A-11": "S-1002", "9A-07": None}


@pytest.mark.parametrize("typed", ["id=19121212-1212", "id=121212-1212", "id=121212+1213", "id=a b"])
def test_a_person_id_is_never_a_personal_identity_number_nor_free_text(school: Driver, typed: str) -> None:
    reply = school.say("admin", f"student edit 9A-07 {typed}")
    assert reply.outcome.refused
    assert "1212" not in reply.text
    with school.db.transaction() as session:
        assert session.scalar(select(Student.person_id).where(Student.code == "9A-07")) is None


def test_a_person_id_is_given_once_and_only_by_coordinators(school: Driver) -> None:
    assert school.say("admin", "student edit 9A-07 id=A id=B").outcome.refused
    assert school.say("anna", "student edit 7B-03 id=X-1").outcome.refused
    assert "student edit" in school.say("admin", "student add 9C-01 id=X-1").text


# --- Storing records --------------------------------------------------------------------------------


def test_records_are_stored_per_student_and_day_and_unknown_ids_only_counted(school: Driver) -> None:
    records = [
        AttendanceRecord("S-1001", date(2026, 3, 2), 330, 30, 10, 1),
        AttendanceRecord("s-1001", date(2026, 3, 3), 330, 330, 0, 0, True),  # as matched: any case
        AttendanceRecord("S-1002", date(2026, 3, 2), 360, 0),
        AttendanceRecord("X-1", date(2026, 3, 2), 360, 0),
        AttendanceRecord("X-1", date(2026, 3, 3), 360, 0),
        AttendanceRecord("X-2", date(2026, 3, 2), 360, 0),
    ]
    with school.db.transaction() as session:
        report = store_attendance(
            session, session.get_one(School, 1), NOW, source="SS 12000", records=records
        )
    assert (report.rows_read, report.rows_stored, report.students_unmatched) == (6, 3, 2)
    assert rows(school.db) == [
        ("7B-03", date(2026, 3, 2), 330, 30, 10, 1, False, "SS 12000"),
        ("7B-03", date(2026, 3, 3), 330, 330, 0, 0, True, "SS 12000"),
        ("8A-11", date(2026, 3, 2), 360, 0, 0, 0, False, "SS 12000"),
    ]


def test_a_removed_student_gets_no_new_records(school: Driver) -> None:
    school.say("admin", "student remove 8A-11")
    with school.db.transaction() as session:
        report = store_attendance(
            session,
            session.get_one(School, 1),
            NOW,
            source="CSV",
            records=[AttendanceRecord("S-1002", date(2026, 3, 2), 360, 0)],
        )
    assert (report.rows_stored, report.students_unmatched) == (0, 1)
    assert rows(school.db) == []


@pytest.mark.parametrize(
    "record",
    [
        AttendanceRecord("S-1001", date(2026, 3, 2), 300, 301),
        AttendanceRecord("S-1001", date(2026, 3, 2), 300, 30, 31),
        AttendanceRecord("S-1001", date(2026, 3, 2), -1, 0),
        AttendanceRecord("19121212-1212", date(2026, 3, 2), 300, 0),
    ],
)
def test_one_invalid_record_stores_nothing(school: Driver, record: AttendanceRecord) -> None:
    good = AttendanceRecord("S-1002", date(2026, 3, 2), 360, 0)
    with pytest.raises(Refused), school.db.transaction() as session:
        store_attendance(session, session.get_one(School, 1), NOW, source="CSV", records=[good, record])
    assert rows(school.db) == []


# --- CSV exports ------------------------------------------------------------------------------------


def test_a_skola24_export_in_hours_with_decimal_commas(school: Driver) -> None:
    result = import_attendance(school.db, export("skola24.csv"), school="Björkskolan", profile=None, now=NOW)
    assert result.stored
    assert result.lines == ["Skola24: 4 rows read, 3 stored, not matched: 1."]
    assert rows(school.db) == [
        ("7B-03", date(2026, 3, 2), 330, 0, 0, 1, False, "Skola24"),
        ("7B-03", date(2026, 3, 3), 330, 330, 330, 0, True, "Skola24"),
        ("8A-11", date(2026, 3, 2), 360, 45, 0, 0, False, "Skola24"),  # 0,75 h
    ]
    status = sync(school.db, "Skola24")
    assert (status.rows_read, status.rows_stored, status.students_unmatched) == (4, 3, 1)
    assert status.last_error is None


def test_the_export_s_other_columns_are_never_read(school: Driver) -> None:
    """The Skola24 fixture carries a personal identity number, names and classes: none is stored."""
    import_attendance(school.db, export("skola24.csv"), school="Björkskolan", profile="skola24", now=NOW)
    with school.db.engine.connect() as connection:
        for table in ("student", "registered_attendance", "attendance_sync", "audit_event"):
            dumped = repr(connection.execute(sa.text(f"SELECT * FROM {table}")).all())
            assert "1212" not in dumped and "Öberg" not in dumped, table


def test_a_schoolsoft_export_in_minutes(school: Driver) -> None:
    result = import_attendance(
        school.db, export("schoolsoft.csv"), school="björkskolan", profile=None, now=NOW
    )
    assert result.lines == ["SchoolSoft: 2 rows read, 2 stored, not matched: 0."]
    assert rows(school.db) == [
        ("7B-03", date(2026, 3, 4), 330, 60, 40, 0, False, "SchoolSoft"),
        ("8A-11", date(2026, 3, 4), 360, 0, 0, 2, False, "SchoolSoft"),
    ]


def test_a_re_import_changes_nothing_and_a_corrected_export_replaces_the_day(school: Driver) -> None:
    text = export("skola24.csv")
    import_attendance(school.db, text, school="Björkskolan", profile=None, now=NOW)
    first = rows(school.db)
    later = NOW + timedelta(hours=1)
    again = import_attendance(school.db, text, school="Björkskolan", profile=None, now=later)
    assert again.lines == ["Skola24: 4 rows read, 3 stored, not matched: 1."]
    assert rows(school.db) == first
    assert sync(school.db, "Skola24").synced_at == later
    corrected = text.replace("2026-03-02;6;0,75;0;0;Nej", "2026-03-02;6;1,5;0,5;0;Nej")
    import_attendance(school.db, corrected, school="Björkskolan", profile=None, now=later)
    assert [r for r in rows(school.db) if r[0] == "8A-11"] == [
        ("8A-11", date(2026, 3, 2), 360, 90, 30, 0, False, "Skola24")
    ]
    assert len(rows(school.db)) == 3


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_stored(school: Driver) -> None:
    result = import_attendance(
        school.db, export("skola24_bad_rows.csv"), school="Björkskolan", profile="skola24", now=NOW
    )
    assert not result.stored
    assert result.lines == [
        "8 of 9 rows cannot be read, so nothing was stored:",
        "Row 3: The date is not a date written YYYY-MM-DD.",
        "Row 4: That looks like a personal identity number, so nothing was saved. Use the school's own "
        "person id for the student, as its system shows it.",
        "Row 5: More minutes absent (420) than offered (360).",
        "Row 6: More unexcused minutes (120) than absent (60).",
        "Row 7: The offered time is not a number (write decimals with a comma: 1,5).",
        "Row 8: Full-day absence is neither Ja nor Nej.",
        "Row 9: The same student and day as on line 2.",
        "Row 10: Expected 7 values, found 4.",
    ]
    assert rows(school.db) == []
    status = sync(school.db, "Skola24")
    assert (status.rows_read, status.rows_stored) == (9, 0)
    assert status.last_error == "8 of 9 rows cannot be read, so nothing was stored"


def test_a_swedish_school_reads_the_bad_rows_in_swedish(school: Driver) -> None:
    with school.db.transaction() as session:
        session.get_one(School, 1).language = "sv"
    result = import_attendance(
        school.db, export("skola24_bad_rows.csv"), school="Björkskolan", profile=None, now=NOW
    )
    assert result.lines[0] == "8 av 9 rader går inte att läsa, så inget sparades:"
    assert result.lines[1] == "Rad 3: Datumet är inte ett datum skrivet ÅÅÅÅ-MM-DD."
    assert result.lines[-1] == "Rad 10: Väntade 7 värden, hittade 4."


def test_a_file_with_neither_profile_s_columns_stores_nothing_and_says_what_is_expected(
    school: Driver,
) -> None:
    result = import_attendance(
        school.db, "Kod;Datum;Minuter\n7B-03;2026-03-02;300\n", school="Björkskolan", profile=None, now=NOW
    )
    assert not result.stored
    assert result.lines[0].startswith("The first line names no profile's columns.")
    assert "skola24: Elev-ID; Datum; Schemalagd tid (h)" in result.lines[0]
    wrong = import_attendance(
        school.db, export("schoolsoft.csv"), school="Björkskolan", profile="skola24", now=NOW
    )
    assert wrong.lines[0].startswith("The first line lacks the columns of the skola24 profile: Elev-ID, ")
    assert rows(school.db) == []
    assert sync(school.db, "Skola24").last_error == wrong.lines[0]


def test_an_unknown_school_is_named_with_the_known_ones(school: Driver) -> None:
    with pytest.raises(ReportError, match="Björkskolan"):
        import_attendance(school.db, export("skola24.csv"), school="Ekskolan", profile=None, now=NOW)


def test_windows_1252_files_and_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    text = export("schoolsoft.csv")
    (tmp_path / "excel.csv").write_bytes(text.encode("cp1252"))
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))
    assert read_export(tmp_path / "excel.csv") == text
    assert parse_export(read_export(tmp_path / "bom.csv")).profile.name == "schoolsoft"


def test_the_command_line_imports_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MENTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    db = Database(f"sqlite:///{tmp_path / 'data' / 'mentorbot.sqlite3'}")
    bot = Driver(db)
    bot.say("admin", "school rename Björkskolan")
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "student edit 7B-03 id=S-1001")
    db.dispose()
    capsys.readouterr()
    file = str(EXPORTS / "skola24.csv")
    with time_machine.travel(NOW, tick=False):
        assert main(["attendance", "import", file, "--school", "Björkskolan"]) == 0
    assert capsys.readouterr().out == "Skola24: 4 rows read, 2 stored, not matched: 2.\n"
    bad = str(EXPORTS / "skola24_bad_rows.csv")
    assert main(["attendance", "import", bad, "--school", "Björkskolan", "--profile", "skola24"]) == 1
    assert "Row 3: The date is not a date" in capsys.readouterr().err
    assert main(["attendance", "import", file, "--school", "Ekskolan"]) == 2
    assert main(["attendance", "import", str(tmp_path / "missing.csv"), "--school", "Björkskolan"]) == 2


# --- The coordinator's status ------------------------------------------------------------------------


def test_the_coordinator_sees_how_the_imports_went(school: Driver) -> None:
    assert school.say("admin", "attendance").text == (
        "No attendance has been imported from the school's system yet.\n"
        "1 of 3 students have no person id from the school's system yet, so their attendance cannot "
        "be matched: student edit CODE id=ID"
    )
    import_attendance(school.db, export("skola24.csv"), school="Björkskolan", profile=None, now=NOW)
    import_attendance(school.db, export("skola24_bad_rows.csv"), school="Björkskolan", profile=None, now=NOW)
    import_attendance(school.db, export("schoolsoft.csv"), school="Björkskolan", profile=None, now=NOW)
    school.say("admin", "student edit 9A-07 id=S-1003")
    assert school.say("admin", "attendance").text == (
        "SchoolSoft: last import Friday 6 March at 14:00: 2 rows read, 2 stored, not matched: 0.\n"
        "Skola24: last import Friday 6 March at 14:00: 9 rows read, 0 stored, not matched: 0.\n"
        "Skola24: the last import stored nothing: 8 of 9 rows cannot be read, so nothing was stored"
    )


def test_the_status_in_swedish_and_only_for_coordinators(school: Driver) -> None:
    import_attendance(school.db, export("schoolsoft.csv"), school="Björkskolan", profile=None, now=NOW)
    school.say("admin", "language sv")
    assert school.say("admin", "närvaro").text.startswith(
        "SchoolSoft: senaste import fredag 6 mars kl. 14:00: 2 rader lästa, 2 sparade, "
        "ej matchade: 0."
    )
    for other in ("anna", "erik", "nils"):
        reply = school.say(other, "attendance")
        assert reply.outcome.refused and "SchoolSoft" not in reply.text


# --- The rules on registered attendance (hand-computed) -----------------------------------------------

CALENDAR = SchoolCalendar()
DEFAULTS = thresholds_for({})
# Four autumn school weeks with no holiday: Monday 1 to Friday 26 September 2025, 20 school days.
FIRST = date(2025, 9, 1)
FRIDAY = date(2025, 9, 26)
CHECK_INS = [CheckInFacts(date(2025, 9, 19)), CheckInFacts(FRIDAY)]  # the mentor typed no absence at all


def school_days() -> list[date]:
    days = [FIRST + timedelta(days=n) for n in range(26)]
    return [d for d in days if CALENDAR.is_school_day(d)]


def registered(changes: dict[date, dict[str, object]]) -> list[RegisteredDay]:
    """300 minutes offered every school day; absent where `changes` says."""
    return [RegisteredDay(d, 300, **{"absent_minutes": 0, **changes.get(d, {})}) for d in school_days()]


# Three full days away (900 minutes), two half days (300 minutes) of which 45 and 100 minutes
# unexcused (1 and 2 lessons of 60 minutes, rounded up per day), five late arrivals.
TERM = registered(
    {
        date(2025, 9, 1): {"absent_minutes": 0, "late_arrivals": 1},
        date(2025, 9, 2): {"absent_minutes": 0, "late_arrivals": 1},
        date(2025, 9, 3): {"absent_minutes": 300, "full_day": True},
        date(2025, 9, 4): {"absent_minutes": 0, "late_arrivals": 2},
        date(2025, 9, 10): {"absent_minutes": 300, "full_day": True},
        date(2025, 9, 22): {"absent_minutes": 150, "unexcused_minutes": 45},
        date(2025, 9, 23): {"absent_minutes": 0, "late_arrivals": 1},
        date(2025, 9, 24): {"absent_minutes": 300, "full_day": True},
        date(2025, 9, 25): {"absent_minutes": 150, "unexcused_minutes": 100},
    }
)


def test_the_fixture_is_four_school_weeks() -> None:
    assert len(school_days()) == 20 and school_days()[-1] == FRIDAY


def test_registered_minutes_give_the_rate_and_the_monthly_counts() -> None:
    # 1200 of 6000 minutes absent: 80 %, the absent share of 20 days is 4 days.
    rate = registered_rate(TERM, FRIDAY, 20, CALENDAR)
    assert rate is not None and (rate.rate, rate.absent, rate.covered) == (Fraction(4, 5), 4, 20)
    fired = {
        r.rule: r.evidence for r in evaluate(Situation(FRIDAY, CHECK_INS, FIRST, TERM), DEFAULTS, CALENDAR)
    }
    assert fired == {
        "attendance": {"percent": 80.0, "absent": 4.0, "school_days": 20, "threshold": 90, "weeks": 4},
        "absent_days": {"count": 3, "threshold": 3},
        "skipped_lessons": {"count": 3, "threshold": 3},
        "late_arrivals": {"count": 5, "threshold": 5},
    }
    # The mentor's figures alone (all zero) raise nothing.
    assert evaluate(Situation(FRIDAY, CHECK_INS, FIRST), DEFAULTS, CALENDAR) == []


def test_unexcused_minutes_count_as_lessons_of_an_hour_rounded_up_per_day() -> None:
    lessons = [RegisteredDay(FRIDAY, 300, m, m).unexcused_lessons for m in (0, 1, 45, 60, 61, 300)]
    assert lessons == [0, 1, 1, 1, 2, 5]


def test_the_source_speaks_only_when_the_newest_check_in_s_period_adds_to_it() -> None:
    # A week away before the previous check-in (19 September): 75 %, 5 full days in the month, but
    # the newest check-in's period adds nothing, so nothing new is said, whatever the mentor typed.
    away = {date(2025, 9, 8) + timedelta(days=n): {"absent_minutes": 300, "full_day": True} for n in range(5)}
    early = registered(away)
    rate = registered_rate(early, FRIDAY, 20, CALENDAR)
    assert rate is not None and rate.rate == Fraction(3, 4)
    typed = [CheckInFacts(date(2025, 9, 19)), CheckInFacts(FRIDAY, absent_days=3)]
    assert evaluate(Situation(FRIDAY, typed, FIRST, early), DEFAULTS, CALENDAR) == []
    without_source = evaluate(Situation(FRIDAY, typed, FIRST), DEFAULTS, CALENDAR)
    assert {r.rule for r in without_source} == {"absent_days", "attendance"}


def test_too_few_registered_days_fall_back_to_the_mentor_s_figures() -> None:
    four = TERM[-4:]
    assert registered_rate(four, FRIDAY, 20, CALENDAR) is None
    typed = [CheckInFacts(FIRST + timedelta(weeks=w), absent_days=2) for w in range(4)] + [
        CheckInFacts(FRIDAY, absent_days=2)
    ]
    situation = Situation(FRIDAY, typed, FIRST, four)
    assert attendance_over(situation, 20, CALENDAR) == attendance_rate(typed, FRIDAY, 20, CALENDAR)
    assert "attendance" in {r.rule for r in evaluate(situation, DEFAULTS, CALENDAR)}


def test_a_crossing_clears_when_the_registered_rate_is_back_up() -> None:
    good = registered({})
    assert clears("attendance", {}, Situation(FRIDAY, CHECK_INS, FIRST, good), DEFAULTS, CALENDAR)
    assert not clears("attendance", {}, Situation(FRIDAY, CHECK_INS, FIRST, TERM), DEFAULTS, CALENDAR)
    assert clears("absent_days", {}, Situation(FRIDAY, CHECK_INS, FIRST, good), DEFAULTS, CALENDAR)


def test_a_check_in_after_an_import_raises_a_case_from_the_registered_days(school: Driver) -> None:
    # A full school week, Monday 2 to Friday 6 March 2026: three full days away and 100 unexcused minutes.
    records = [
        AttendanceRecord(
            "S-1001", date(2026, 3, 2) + timedelta(days=n), 300, absent, unexcused, 0, absent == 300
        )
        for n, (absent, unexcused) in enumerate([(300, 0), (300, 0), (300, 300), (0, 0), (0, 0)])
    ]
    with school.db.transaction() as session:
        store_attendance(session, session.get_one(School, 1), NOW, source="SS 12000", records=records)
    school.check_in("anna", "7B-03")  # the mentor typed no absence
    with school.db.transaction() as session:
        case = session.scalars(select(AlertCase)).one()
        crossed = {a.rule: a.evidence for a in case.alerts}
    # 900 of 1500 minutes: 40 %; 3 full days; 300 unexcused minutes are 5 lessons.
    assert crossed["attendance"]["percent"] == 40.0
    assert crossed["absent_days"]["count"] == 3
    assert crossed["skipped_lessons"]["count"] == 5


# --- The migration -----------------------------------------------------------------------------------


def test_the_migration_adds_the_tables_and_the_person_id_and_takes_them_away_again(db: Database) -> None:
    migrate.downgrade(db.engine, "0012")
    inspector = sa.inspect(db.engine)
    assert "registered_attendance" not in inspector.get_table_names()
    assert "person_id" not in {c["name"] for c in inspector.get_columns("student")}
    migrate.upgrade(db.engine)
    inspector = sa.inspect(db.engine)
    assert {"registered_attendance", "attendance_sync"} <= set(inspector.get_table_names())
    assert "person_id" in {c["name"] for c in inspector.get_columns("student")}
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(RegisteredAttendance)) == 0


# --- Export and retention ----------------------------------------------------------------------------


def test_the_student_export_holds_the_person_id_and_the_registered_days(school: Driver) -> None:
    import_attendance(school.db, export("schoolsoft.csv"), school="Björkskolan", profile=None, now=NOW)
    data = json.loads(school.say("admin", "student export 7B-03").outcome.reply[0].json)
    assert data["student"]["person_id"] == "S-1001"
    assert data["registered_attendance"] == [
        {
            "day": "2026-03-04",
            "offered_minutes": 330,
            "absent_minutes": 60,
            "unexcused_minutes": 40,
            "late_arrivals": 0,
            "full_day": False,
            "source": "SchoolSoft",
            "imported_at": "2026-03-06T13:00:00+00:00",
        }
    ]


def test_retention_deletes_registered_days_older_than_the_decision(school: Driver) -> None:
    school.say("admin", "retention set 100 IHP 2024:3 2024-05-14")
    import_attendance(school.db, export("schoolsoft.csv"), school="Björkskolan", profile=None, now=NOW)
    # Period 100 days: the days of 4 March go once the cutoff has passed that date.
    [(_, kept)] = list(run_retention(school.db, NOW + timedelta(days=98), force=True))
    [(_, deleted)] = list(run_retention(school.db, NOW + timedelta(days=99), force=True))
    assert (kept.attendance_days, deleted.attendance_days) == (0, 2)
    assert rows(school.db) == []
