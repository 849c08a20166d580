"""The nightly SS 12000 sync against the fake source on 127.0.0.1, on SQLite and PostgreSQL.

Figures worked out by hand from tests/ss12000/norra.py (see test_client.py):
- Anna (matched by her SS 12000 id), Monday 2 November: offered 60 + 60 + 80 = 200, absent 15 + 80 =
  95, of which 15 unexcused, one lesson attended in part (late), not a full day; Tuesday: the 90
  minutes of svenska, all present.
- Birk (matched by his pupil number E-1002 from /persons), Monday: svenska 60 excused, matematik
  60 unexcused, engelska not yet reported: offered 120, absent 120, unexcused 60, a full day away.
- Grades (four rows, two pages): Anna F in svenska (SVESVE02) and E in matematik, Birk A in idrott
  och hälsa (not a core subject, not kept) and F in engelska (ENGENG06): 4 read, 3 kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy import func, select

from bot.render_text import render_notification
from bot.ss12000 import sync as sync_module
from bot.ss12000.sync import nightly_sync
from handlers.early_warning import evaluate_all
from models import AttendanceSource, AttendanceSync, CourseSignal, CourseSync, SourceLesson, Student, migrate
from models.db import Database
from schedules.clock import Clock
from tests.clock_support import RecordingNotifier
from tests.driver import Driver
from tests.ss12000 import norra
from tests.ss12000.fake_source import CLIENT_ID, CLIENT_SECRET, FakeSource, serving
from tests.test_attendance import rows as attendance_rows

ZONE = ZoneInfo("Europe/Stockholm")
# The night after Tuesday 3 November 2026, and the next one.
WEDNESDAY_NIGHT = datetime(2026, 11, 4, 2, 30, tzinfo=ZONE)
THURSDAY_NIGHT = datetime(2026, 11, 5, 2, 30, tzinfo=ZONE)
MONDAY, TUESDAY, WEDNESDAY = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
PREFIX = "MENTORBOT_SS12000_NORRA_GYMNASIET_"

FIRST_NIGHT = [
    ("2A-01", MONDAY, 200, 95, 15, 1, False),
    ("2A-01", TUESDAY, 90, 0, 0, 0, False),
    ("2A-02", MONDAY, 120, 120, 60, 0, True),
]


@pytest.fixture
def source() -> FakeSource:
    return norra.norra()


@pytest.fixture
def base_url(source: FakeSource) -> Iterator[str]:
    with serving(source) as url:
        yield url


@pytest.fixture
def environ(base_url: str) -> dict[str, str]:
    return {
        PREFIX + "TOKEN_URL": base_url + "/token",
        PREFIX + "CLIENT_ID": CLIENT_ID,
        PREFIX + "CLIENT_SECRET": CLIENT_SECRET,
    }


@pytest.fixture
def school(bot: Driver, base_url: str) -> Driver:
    """Norra gymnasiet: Anna (2A-01) by her SS 12000 id, Birk (2A-02) by his pupil number, Cleo without."""
    bot.now = WEDNESDAY_NIGHT - timedelta(days=3)
    for line in (
        "school rename Norra gymnasiet",
        "student add 2A-01",
        "student add 2A-02",
        "student add 2A-03",
        f"student edit 2A-01 id={norra.ANNA}",
        "student edit 2A-02 id=E-1002",
        f"attendance source ss12000 {base_url} {norra.UNIT_CODE}",
    ):
        reply = bot.say("admin", line)
        assert not reply.outcome.refused, (line, reply.text)
    return bot


def days(db: Database) -> list[tuple[str, date, int, int, int, int, bool]]:
    """The registered days the sync stored, without their source."""
    return [row[:-1] for row in attendance_rows(db) if row[-1] == "SS 12000"]


def status(db: Database) -> tuple[int, int, int, str | None]:
    with db.transaction() as session:
        found = session.scalars(select(AttendanceSync).where(AttendanceSync.source == "SS 12000")).one()
        return found.rows_read, found.rows_stored, found.students_unmatched, found.last_error


def watermark(db: Database) -> datetime | None:
    with db.transaction() as session:
        return session.scalars(select(AttendanceSource.lessons_after)).one()


def night(db: Database, now: datetime, environ: dict[str, str]) -> list[sync_module.SchoolSync]:
    return nightly_sync(db, now, "Europe/Stockholm", environ=environ, sleep=lambda _s: None)


def change(source: FakeSource, number: int, modified: str, **fields: object) -> None:
    row = next(r for r in source.attendances if r["id"].endswith(f"{number:02d}"))
    for key in ("attendanceMinutes", "validAbsenceMinutes", "invalidAbsenceMinutes"):
        row.pop(key, None)
    row.update(fields)
    row["meta"] = {"created": row["meta"]["created"], "modified": modified}


def test_a_night_stores_each_student_day_as_the_school_registered_it(school: Driver, environ) -> None:
    [result] = night(school.db, WEDNESDAY_NIGHT, environ)

    assert result.stored and result.line == (
        "SS 12000: 7 rows read, 3 stored, not matched: 0. Grades: 4 rows read, 3 stored, not matched: 0."
    )
    assert days(school.db) == FIRST_NIGHT
    assert status(school.db) == (7, 3, 0, None)
    assert watermark(school.db) == datetime.fromisoformat(norra.LAST_MODIFIED)


def test_the_second_night_reads_only_the_lessons_that_changed(
    school: Driver, source: FakeSource, environ
) -> None:
    night(school.db, WEDNESDAY_NIGHT, environ)
    source.attendances.append(
        norra.attendance(8, norra.ANNA, norra.WED_MA, "2026-11-04T16:00:00+01:00", attendanceMinutes=60)
    )
    source.requests.clear()

    [result] = night(school.db, THURSDAY_NIGHT, environ)

    first_page = source.requests_to("/attendances")[0]
    [after] = first_page.params["meta.modified.after"]
    assert datetime.fromisoformat(after) == datetime.fromisoformat(norra.LAST_MODIFIED)
    assert result.line == (
        "SS 12000: 1 rows read, 1 stored, not matched: 0. Grades: 0 rows read, 0 stored, not matched: 0."
    )
    assert days(school.db) == [*FIRST_NIGHT[:2], ("2A-01", WEDNESDAY, 60, 0, 0, 0, False), FIRST_NIGHT[2]]


def test_a_lesson_changed_at_the_source_changes_its_day_without_counting_twice(
    school: Driver, source: FakeSource, environ
) -> None:
    night(school.db, WEDNESDAY_NIGHT, environ)
    # Anna's matematik on Monday: now all 60 minutes unexcused. Birk's svenska: no longer reported.
    change(source, 2, "2026-11-04T09:00:00+01:00", invalidAbsenceMinutes=60)
    change(source, 5, "2026-11-04T09:01:00+01:00", isReported=False)

    night(school.db, THURSDAY_NIGHT, environ)

    assert days(school.db) == [
        ("2A-01", MONDAY, 200, 140, 60, 0, False),
        FIRST_NIGHT[1],
        ("2A-02", MONDAY, 60, 60, 60, 0, True),
    ]
    with school.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SourceLesson)) == 5


def test_a_sync_that_dies_half_way_leaves_nothing_and_the_next_run_ends_as_one_clean_run(
    school: Driver, environ, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dies(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the process is killed")

    with monkeypatch.context() as patched:
        patched.setattr(sync_module, "store_attendance", dies)
        assert night(school.db, WEDNESDAY_NIGHT, environ) == []
    assert days(school.db) == []
    assert watermark(school.db) is None
    with school.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SourceLesson)) == 0

    [result] = night(school.db, WEDNESDAY_NIGHT + timedelta(minutes=1), environ)

    assert result.stored
    assert days(school.db) == FIRST_NIGHT
    assert status(school.db) == (7, 3, 0, None)
    with school.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SourceLesson)) == 6


def test_students_of_the_school_not_in_the_programme_are_counted_not_stored(school: Driver, environ) -> None:
    school.say("admin", "student edit 2A-02 id=")

    night(school.db, WEDNESDAY_NIGHT, environ)

    assert days(school.db) == FIRST_NIGHT[:2]
    assert status(school.db) == (7, 2, 1, None)
    text = school.say("admin", "attendance").text
    assert (
        "SS 12000: last import Wednesday 4 November at 02:30: 7 rows read, 2 stored, not matched: 1." in text
    )
    assert f"Source: SS 12000 at {environ[PREFIX + 'TOKEN_URL'].removesuffix('/token')}" in text


def test_missing_credentials_are_told_politely_and_the_other_schools_still_sync(
    school: Driver, base_url: str, environ
) -> None:
    school.now = WEDNESDAY_NIGHT - timedelta(days=3)
    for line in (
        "school rename Södra skolan",
        "student add 7A-01",
        f"attendance source ss12000 {base_url} 87654321",
    ):
        assert not school.say("admin", line, workspace="school-b").outcome.refused

    results = night(school.db, WEDNESDAY_NIGHT, environ)

    assert [(r.school, r.stored) for r in results] == [("Norra gymnasiet", True), ("Södra skolan", False)]
    assert days(school.db) == FIRST_NIGHT
    text = school.say("admin", "attendance", workspace="school-b").text
    assert "the last import stored nothing: the server has no credentials" in text
    assert "MENTORBOT_SS12000_SODRA_SKOLAN_TOKEN_URL" in text


def test_a_source_down_after_the_retries_is_recorded_without_its_answer(
    school: Driver, source: FakeSource, environ
) -> None:
    source.faults = [(503, None)] * 6

    [result] = night(school.db, WEDNESDAY_NIGHT, environ)

    assert not result.stored
    assert status(school.db)[3] == (
        "the school's system could not be read (GET /organisations: HTTP 503 after 6 attempts); "
        "the next night tries again."
    )
    assert "try later" not in school.say("admin", "attendance").text
    assert watermark(school.db) is None


def test_bad_credentials_are_told_in_words(school: Driver, environ) -> None:
    night(school.db, WEDNESDAY_NIGHT, {**environ, PREFIX + "CLIENT_SECRET": "wrong"})
    assert (
        status(school.db)[3]
        == "the school's system refused mentorbot's credentials; the operator checks them."
    )


def test_the_clock_syncs_once_per_school_day_across_a_restart(
    school: Driver, source: FakeSource, environ, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    before_two = WEDNESDAY_NIGHT - timedelta(hours=1)

    def a_process() -> Clock:
        """A clock as `mentorbot serve` or a worker starts it: it reads the sources at night."""
        return Clock(school.db, RecordingNotifier(), attendance_sync=nightly_sync)

    assert a_process().tick(before_two).attendance == 0
    assert a_process().tick(WEDNESDAY_NIGHT).attendance == 1
    # A new process (a restart) the same night: the marker in the database says it is done.
    assert a_process().tick(WEDNESDAY_NIGHT + timedelta(hours=3)).attendance == 0
    assert len(source.requests_to("/organisations")) == 1
    # Saturday night syncs Friday; Sunday and Monday nights follow no school day.
    saturday = datetime(2026, 11, 7, 3, tzinfo=ZONE)
    clock = a_process()
    assert [clock.tick(saturday + timedelta(days=n)).attendance for n in range(3)] == [1, 0, 0]
    assert days(school.db) == FIRST_NIGHT


def test_the_operator_syncs_now_from_the_command_line_whatever_the_hour(
    tmp_path: Path,
    base_url: str,
    environ: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MENTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(["db", "upgrade"]) == 0
    db = Database(f"sqlite:///{tmp_path / 'data' / 'mentorbot.sqlite3'}")
    bot = Driver(db)
    assert main(["attendance", "sync"]) == 2  # no school has a source yet
    for line in (
        "school rename Norra gymnasiet",
        "student add 2A-01",
        f"student edit 2A-01 id={norra.ANNA}",
        f"attendance source ss12000 {base_url} {norra.UNIT_CODE}",
    ):
        assert not bot.say("admin", line).outcome.refused
    capsys.readouterr()
    with time_machine.travel(datetime(2026, 11, 4, 15, tzinfo=ZONE), tick=False):
        assert main(["attendance", "sync", "--school", "Norra gymnasiet"]) == 0
    assert capsys.readouterr().out == (
        "Norra gymnasiet: SS 12000: 7 rows read, 2 stored, not matched: 1. "
        "Grades: 4 rows read, 2 stored, not matched: 1.\n"
    )
    assert days(db) == FIRST_NIGHT[:2]
    assert main(["attendance", "sync", "--school", "Ekskolan"]) == 2
    db.dispose()


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ("attendance source ss12000 http://ss12000.example.se 12345678", "https://"),
        ("attendance source ss12000 https://ss12000.example.se 1234", "eight digits"),
        ("attendance source ss12000 https://user:pw@ss12000.example.se 12345678", "no user name"),
        ("attendance source ss12000 https://ss12000.example.se", "not quite right"),
    ],
)
def test_a_source_is_checked_before_it_is_kept(bot: Driver, line: str, refusal: str) -> None:
    bot.say("admin", "school rename Norra gymnasiet")
    reply = bot.say("admin", line)
    assert reply.outcome.refused and refusal in reply.text
    assert "Source:" not in bot.say("admin", "attendance").text


def test_the_coordinator_is_told_which_variables_the_operator_sets_and_can_turn_it_off(bot: Driver) -> None:
    bot.say("admin", "school rename Norra gymnasiet")
    reply = bot.say("admin", "närvaro källa ss12000 <https://ss12000.example.se/v2.0> 12345678")
    assert not reply.outcome.refused
    assert f"{PREFIX}TOKEN_URL, {PREFIX}CLIENT_ID, {PREFIX}CLIENT_SECRET" in reply.text
    assert (
        "Source: SS 12000 at https://ss12000.example.se/v2.0 (school unit 12345678)"
        in bot.say("admin", "attendance").text
    )
    assert bot.say("anna", "attendance source off").outcome.refused
    assert "no longer read" in bot.say("admin", "attendance source off").text
    assert "Source:" not in bot.say("admin", "attendance").text


def test_the_migration_adds_the_source_and_lesson_tables_and_takes_them_away_again(db: Database) -> None:
    migrate.downgrade(db.engine, "0014")
    assert not {"attendance_source", "source_lesson"} & set(sa.inspect(db.engine).get_table_names())
    migrate.upgrade(db.engine)
    assert {"attendance_source", "source_lesson"} <= set(sa.inspect(db.engine).get_table_names())
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SourceLesson)) == 0


def test_a_swedish_school_reads_the_source_and_its_error_in_swedish(db: Database, base_url: str) -> None:
    bot = Driver(db, language="sv")
    bot.now = WEDNESDAY_NIGHT - timedelta(days=3)
    bot.say("admin", "skola byt namn Norra gymnasiet")
    reply = bot.say("admin", f"närvaro källa ss12000 {base_url} {norra.UNIT_CODE}")
    assert f"Be driftansvarig att ange {PREFIX}TOKEN_URL" in reply.text

    night(db, WEDNESDAY_NIGHT, environ={})

    text = bot.say("admin", "närvaro").text
    assert "den senaste importen sparade inget: servern har inga inloggningsuppgifter" in text
    assert f"Källa: SS 12000 på {base_url} (skolenhet {norra.UNIT_CODE})" in text


# --- Grades -----------------------------------------------------------------------------------------

FIRST_GRADES = [
    ("2A-01", "MA", "passed", date(2026, 10, 30)),
    ("2A-01", "SV", "grade_f", date(2026, 10, 30)),
    ("2A-02", "EN", "grade_f", date(2026, 10, 31)),
]


def course_signals(db: Database) -> list[tuple[str, str, str, date]]:
    with db.transaction() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(Student.code, CourseSignal.subject, CourseSignal.kind, CourseSignal.day)
                .join(Student)
                .where(CourseSignal.source == "SS 12000")
                .order_by(Student.code, CourseSignal.subject)
            )
        ]


def grade_status(db: Database) -> tuple[int, int, int, str | None]:
    with db.transaction() as session:
        found = session.scalars(select(CourseSync).where(CourseSync.source == "SS 12000")).one()
        return found.rows_read, found.rows_stored, found.students_unmatched, found.last_error


def grades_watermark(db: Database) -> datetime | None:
    with db.transaction() as session:
        return session.scalars(select(AttendanceSource.grades_after)).one()


def test_a_night_reads_the_grades_in_the_core_subjects_page_by_page(
    school: Driver, source: FakeSource, environ
) -> None:
    night(school.db, WEDNESDAY_NIGHT, environ)

    assert course_signals(school.db) == FIRST_GRADES
    assert grade_status(school.db) == (4, 3, 0, None)
    assert grades_watermark(school.db) == datetime.fromisoformat("2026-10-31T09:00:00+01:00")
    first, second = source.requests_to("/grades")  # two pages of two
    [after] = first.params["meta.modified.after"]
    assert datetime.fromisoformat(after) == WEDNESDAY_NIGHT - timedelta(days=365)  # the first read: a year
    assert first.params["organisation"] == [norra.UNIT]
    assert set(second.params) == {"pageToken", "limit"}
    assert (
        "Grades and F warnings from SS 12000: last read Wednesday 4 November at 02:30: 4 rows read, "
        "3 stored, not matched: 0." in school.say("admin", "attendance").text
    )


def test_a_grade_changed_at_the_source_replaces_what_it_signalled_and_partial_rows_are_left_out(
    school: Driver, source: FakeSource, environ
) -> None:
    night(school.db, WEDNESDAY_NIGHT, environ)
    # Anna's F in svenska is changed to an E; Birk gets "-" in matematik; and a row without `meta`
    # whose syllabus the source cannot look up.
    anna_sv = source.grades[0]
    anna_sv.update(
        gradeValue="E", meta={"created": "2026-10-30T15:00:00+01:00", "modified": "2026-11-04T10:00:00+01:00"}
    )
    birk_ma = norra._grade(5, norra.BIRK, norra.SYLLABUS_MA, "-", "2026-11-04", "2026-11-04T10:01:00+01:00")
    orphan = norra._grade(6, norra.BIRK, "4a000000-0000-4000-8000-000000000099", "F", "2026-11-04", "unused")
    del orphan["meta"]
    source.grades += [birk_ma, orphan]
    source.requests.clear()

    [result] = night(school.db, THURSDAY_NIGHT, environ)

    [after] = source.requests_to("/grades")[0].params["meta.modified.after"]
    assert datetime.fromisoformat(after) == datetime.fromisoformat("2026-10-31T09:00:00+01:00")
    assert result.line.endswith(" Grades: 3 rows read, 2 stored, not matched: 0.")
    assert course_signals(school.db) == [
        FIRST_GRADES[0],
        ("2A-01", "SV", "passed", date(2026, 10, 30)),  # the same grade id: replaced, not added
        FIRST_GRADES[2],
        ("2A-02", "MA", "no_grade", date(2026, 11, 4)),
    ]
    assert grades_watermark(school.db) == datetime.fromisoformat("2026-11-04T10:01:00+01:00")


def test_a_source_without_grades_still_gives_its_attendance_and_the_coordinator_is_told(
    school: Driver, source: FakeSource, environ
) -> None:
    source.grades_offered = False

    [result] = night(school.db, WEDNESDAY_NIGHT, environ)

    assert result.stored and days(school.db) == FIRST_NIGHT
    assert result.line == (
        "SS 12000: 7 rows read, 3 stored, not matched: 0. Grades: the school's system gives mentorbot no "
        "grades (HTTP 404); F warnings can be imported from a file instead (mentorbot grades import)."
    )
    assert course_signals(school.db) == [] and grades_watermark(school.db) is None
    assert (
        "Grades and F warnings from SS 12000: the last read stored nothing: the school's system gives "
        "mentorbot no grades (HTTP 404)" in school.say("admin", "attendance").text
    )


def test_grades_down_tonight_are_read_again_the_next_night_and_a_429_is_waited_out(
    school: Driver, source: FakeSource, environ
) -> None:
    source.faults_on["/grades"] = [(503, None)] * 6

    [result] = night(school.db, WEDNESDAY_NIGHT, environ)

    assert result.stored and days(school.db) == FIRST_NIGHT
    assert grade_status(school.db)[3] == (
        "the school's system could not be read (GET /grades: HTTP 503 after 6 attempts); "
        "the next night tries again."
    )
    assert grades_watermark(school.db) is None and course_signals(school.db) == []

    source.faults_on["/grades"] = [(429, "7")]
    waits: list[float] = []
    nightly_sync(school.db, THURSDAY_NIGHT, "Europe/Stockholm", environ=environ, sleep=waits.append)

    assert waits == [7.0]
    assert course_signals(school.db) == FIRST_GRADES
    assert grade_status(school.db) == (4, 3, 0, None)


def test_the_next_school_day_a_synced_f_raises_a_case(school: Driver, environ) -> None:
    for line in ("assign 2A-02 @anna", "eht #eht"):
        assert not school.say("admin", line).outcome.refused
    night(school.db, WEDNESDAY_NIGHT, environ)

    with school.db.transaction() as session:
        [(_destination, notice)] = evaluate_all(session, WEDNESDAY_NIGHT + timedelta(hours=7))
    card = render_notification("en", notice)
    assert "2A-02" in card and "Risk of F in a core subject" in card
    assert "F in English (Saturday 31 October) (threshold 1)" in card
