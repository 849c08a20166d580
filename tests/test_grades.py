"""Course performance, the C of the ABC indicators: grade warnings and grades from the school's
system (a CSV file of warnings: every row checked, a bad row stores nothing, a re-import changes
nothing), the risk-of-F rule on what was imported (it fires by the daily run, clears when the warning
is withdrawn, is explained in both languages and counted by the backtest), and the migration."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy import func, select

from bot.attendance_import import read_export
from bot.grades_import import import_grades
from bot.i18n import translate
from bot.render_text import render_content, render_notification
from handlers.courses import CourseRecord, store_course_signals
from handlers.early_warning import backtest_school, evaluate_all
from models import AlertCase, CourseSignal, CourseSync, School, Student, migrate
from models.calendar import SchoolCalendar
from models.course import SignalKind, core_subject
from models.db import Database
from models.flagged import why_flagged
from models.messages import Refused
from models.risk import RiskLevel, risk_of
from models.rules import CourseMark, Situation, clears, evaluate, thresholds_for
from schedules.retention import run_retention
from tests.case_support import eht_school
from tests.driver import Driver

EXPORTS = Path(__file__).with_name("grade_exports")
START = datetime(2026, 11, 2, 8, tzinfo=UTC)  # a Monday: the mentorships start
NOW = datetime(2026, 11, 20, 13, tzinfo=UTC)  # a Friday: the warnings are imported
MONDAY = datetime(2026, 11, 23, 9, tzinfo=UTC)  # the next school day's daily run
CALENDAR = SchoolCalendar()
DEFAULTS = thresholds_for({})


@pytest.fixture
def school(bot: Driver) -> Driver:
    """Björkskolan: 7B-03 (person id S-1001) and 9A-07 (grade 9, no person id), both mentored by anna;
    erik in the EHT, channel #eht."""
    bot.now = START
    bot.say("admin", "school rename Björkskolan")
    eht_school(bot)
    for line in (
        "student add 9A-07 Bea grade=9 class=9A",
        "assign 9A-07 @anna",
        "student edit 7B-03 id=S-1001",
    ):
        assert not bot.say("admin", line).outcome.refused, line
    return bot


def export(name: str) -> str:
    return read_export(EXPORTS / name)


def signals(db: Database) -> list[tuple[str, str, str, date, str]]:
    with db.transaction() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    Student.code,
                    CourseSignal.subject,
                    CourseSignal.kind,
                    CourseSignal.day,
                    CourseSignal.source,
                )
                .join(Student)
                .order_by(Student.code, CourseSignal.day, CourseSignal.subject)
            )
        ]


def open_cases(db: Database) -> dict[str, dict[str, object]]:
    """Per student code, the rules of their case: rule -> evidence (None once cleared)."""
    with db.transaction() as session:
        return {
            case.student.code: {a.rule: (None if a.cleared_at else a.evidence) for a in case.alerts}
            for case in session.scalars(select(AlertCase).order_by(AlertCase.id))
        }


# --- Which subjects are the core subjects -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("MA", "MA"),
        ("ma", "MA"),
        ("GRGRMAT01", "MA"),
        ("MATMAT01a", "MA"),
        ("Matematik", "MA"),
        ("SV", "SV"),
        ("GRGRSVE01", "SV"),
        ("svenska", "SV"),
        ("SVA", "SVA"),
        ("GRGRSVA01", "SVA"),
        ("Svenska som andraspråk", "SVA"),
        ("EN", "EN"),
        ("GRGRENG01", "EN"),
        ("engelska", "EN"),
        ("Bild", None),
        ("GRGRBIL01", None),
        ("Matematikverkstad", None),
        ("", None),
    ],
)
def test_the_core_subjects_by_code_or_swedish_name(text: str, subject: str | None) -> None:
    assert core_subject(text) == subject


# --- The CSV file of grade warnings -----------------------------------------------------------------


def test_a_warning_file_is_stored_for_the_students_in_the_programme(school: Driver) -> None:
    result = import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW)

    assert result.stored
    assert result.lines == [
        "Grades and F warnings: 5 rows read, 3 stored, in other subjects: 1, not matched: 1."
    ]
    assert signals(school.db) == [
        ("7B-03", "EN", "withdrawn", date(2026, 11, 10), "CSV"),
        ("7B-03", "MA", "warning", date(2026, 11, 12), "CSV"),
        ("9A-07", "SVA", "grade_f", date(2026, 11, 13), "CSV"),  # found by mentorbot's code
    ]


def test_the_file_s_other_columns_are_never_read(school: Driver) -> None:
    """The file carries names, a personal identity number and a teacher's comment: none is stored."""
    import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW)
    with school.db.engine.connect() as connection:
        for table in ("student", "course_signal", "course_sync", "audit_event"):
            dumped = repr(connection.execute(sa.text(f"SELECT * FROM {table}")).all())
            assert "20120315" not in dumped and "Öberg" not in dumped and "Mamma" not in dumped, table


def test_a_re_import_changes_nothing_and_a_corrected_file_replaces_the_day(school: Driver) -> None:
    import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW)
    before = signals(school.db)
    import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW + timedelta(hours=1))
    assert signals(school.db) == before
    corrected = "Elev-ID;Ämne;Datum;Varning/betyg\nS-1001;Matematik;2026-11-12;E\n"
    assert import_grades(school.db, corrected, school="Björkskolan", now=NOW).stored
    assert ("7B-03", "MA", "passed", date(2026, 11, 12), "CSV") in signals(school.db)
    assert len(signals(school.db)) == len(before)


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_stored(school: Driver) -> None:
    result = import_grades(school.db, export("varningar_bad_rows.csv"), school="Björkskolan", now=NOW)

    assert not result.stored
    assert result.lines == [
        "6 of 7 rows cannot be read, so nothing was stored:",
        "Row 3: The date is not a date written YYYY-MM-DD.",
        "Row 4: The subject is missing.",
        "Row 5: The warning or grade is none of Varning, Ingen, F, - or a grade from A to E.",
        "Row 6: That looks like a personal identity number, so nothing was saved. Use the school's own "
        "person id for the student, as its system shows it.",
        "Row 7: The same student, subject and date as on line 2.",
        "Row 8: Expected 4 values, found 3.",
    ]
    assert signals(school.db) == []
    assert "1212" not in "\n".join(result.lines)
    with school.db.transaction() as session:
        status = session.scalars(select(CourseSync)).one()
        assert (status.rows_read, status.rows_stored) == (7, 0)
        assert status.last_error == "6 of 7 rows cannot be read, so nothing was stored"


def test_a_swedish_school_reads_the_bad_rows_in_swedish(school: Driver) -> None:
    with school.db.transaction() as session:
        session.get_one(School, 1).language = "sv"
    result = import_grades(school.db, export("varningar_bad_rows.csv"), school="Björkskolan", now=NOW)
    assert result.lines[0] == "6 av 7 rader går inte att läsa, så inget sparades:"
    assert "Rad 4: Ämnet saknas." in result.lines
    assert "Rad 7: Samma elev, ämne och datum som på rad 2." in result.lines


def test_a_file_without_the_columns_stores_nothing_and_says_what_is_expected(school: Driver) -> None:
    result = import_grades(school.db, "Elev;Kurs;Betyg\nS-1001;MA;F\n", school="Björkskolan", now=NOW)
    assert not result.stored
    assert result.lines == [
        "The first line names the columns of a grade-warning file: Elev-ID or Elevkod, and Ämne, Datum "
        "and Varning/betyg, separated by semicolons."
    ]


def test_a_student_code_that_looks_like_a_personnummer_is_refused(school: Driver) -> None:
    text = "Elevkod;Ämne;Datum;Varning/betyg\n121212-1212;MA;2026-11-12;F\n"
    result = import_grades(school.db, text, school="Björkskolan", now=NOW)
    assert not result.stored and "personal identity number" in result.lines[1]
    assert "1212" not in "\n".join(result.lines)
    with pytest.raises(Refused), school.db.transaction() as session:
        store_course_signals(
            session,
            session.get_one(School, 1),
            NOW,
            source="CSV",
            records=[CourseRecord("MA", SignalKind.GRADE_F, date(2026, 11, 12), "MA:x", "19121212-1212")],
        )


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
    for line in ("school rename Björkskolan", "student add 7B-03", "student edit 7B-03 id=S-1001"):
        bot.say("admin", line)
    db.dispose()
    capsys.readouterr()
    with time_machine.travel(NOW, tick=False):
        assert main(["grades", "import", str(EXPORTS / "varningar.csv"), "--school", "Björkskolan"]) == 0
    assert capsys.readouterr().out == (
        "Grades and F warnings: 5 rows read, 2 stored, in other subjects: 1, not matched: 2.\n"
    )
    bad = str(EXPORTS / "varningar_bad_rows.csv")
    assert main(["grades", "import", bad, "--school", "Björkskolan"]) == 1
    assert "Row 3: The date is not a date" in capsys.readouterr().err
    assert main(["grades", "import", bad, "--school", "Ekskolan"]) == 2
    assert main(["grades", "import", str(tmp_path / "missing.csv"), "--school", "Björkskolan"]) == 2


def test_the_coordinator_sees_how_the_grade_imports_went(school: Driver) -> None:
    import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW)
    import_grades(school.db, export("varningar_bad_rows.csv"), school="Björkskolan", now=NOW)
    text = school.say("admin", "attendance").text
    assert (
        "Grades and F warnings from CSV: last read Friday 20 November at 14:00: 7 rows read, 0 stored, "
        "not matched: 0." in text
    )
    assert (
        "Grades and F warnings from CSV: the last read stored nothing: 6 of 7 rows cannot be read, so "
        "nothing was stored" in text
    )
    school.say("admin", "language sv")
    assert "Betyg och varningar för F från CSV: senast lästa fredag 20 november kl. 14:00" in (
        school.say("admin", "närvaro").text
    )
    assert school.say("anna", "attendance").outcome.refused


# --- The rule: risk of F in a core subject (pure) ---------------------------------------------------

TODAY = date(2026, 11, 23)


def situation(*marks: CourseMark, school_year: int | None = 7) -> Situation:
    return Situation(TODAY, [], TODAY - timedelta(days=30), courses=marks, school_year=school_year)


def fired(s: Situation, **thresholds: int) -> dict[str, object] | None:
    found = [
        r for r in evaluate(s, thresholds_for(thresholds), CALENDAR, daily=True) if r.rule == "risk_of_f"
    ]
    return found[0].evidence if found else None


def test_a_warning_an_f_or_no_grade_in_a_core_subject_fires_and_a_pass_or_withdrawal_clears_it() -> None:
    warning = CourseMark("MA", "warning", date(2026, 11, 12))
    assert fired(situation(warning)) == {
        "subjects": [{"subject": "MA", "kind": "warning", "on": "2026-11-12"}],
        "threshold": 1,
        "final_year": False,
    }
    assert fired(situation(CourseMark("EN", "no_grade", date(2026, 6, 12)))) is not None
    for later in ("passed", "withdrawn"):
        s = situation(warning, CourseMark("MA", later, date(2026, 11, 20)))
        assert fired(s) is None
        assert clears("risk_of_f", {}, s, DEFAULTS, CALENDAR)
    assert not clears("risk_of_f", {}, situation(warning), DEFAULTS, CALENDAR)


def test_svenska_som_andrasprak_counts_as_svenska_and_the_newest_signal_per_subject_decides() -> None:
    f_in_sv = CourseMark("SV", "grade_f", date(2026, 6, 12))
    passed_sva = CourseMark("SVA", "passed", date(2026, 11, 20))
    assert fired(situation(f_in_sv, passed_sva)) is None
    assert fired(situation(passed_sva, CourseMark("SVA", "warning", date(2026, 11, 21)))) is not None
    # A signal registered after today, or more than a year old, says nothing today.
    assert fired(situation(CourseMark("MA", "grade_f", TODAY + timedelta(days=1)))) is None
    assert fired(situation(CourseMark("MA", "grade_f", TODAY - timedelta(days=366)))) is None


def test_the_school_chooses_how_many_core_subjects_alert() -> None:
    two = situation(
        CourseMark("MA", "grade_f", date(2026, 11, 2)), CourseMark("EN", "warning", date(2026, 11, 3))
    )
    assert fired(two, core_subjects_at_risk=3) is None
    evidence = fired(two, core_subjects_at_risk=2)
    assert evidence is not None and [s["subject"] for s in evidence["subjects"]] == ["EN", "MA"]


def test_in_grade_9_the_evidence_says_eligibility_is_at_stake_and_the_case_is_at_risk() -> None:
    evidence = fired(situation(CourseMark("SVA", "grade_f", date(2026, 11, 13)), school_year=9))
    assert evidence is not None and evidence["final_year"] is True
    assert risk_of([("risk_of_f", evidence)], DEFAULTS) is RiskLevel.AT_RISK
    why = why_flagged("risk_of_f", evidence, DEFAULTS)
    assert translate("en", why) == (
        "At risk of F in 1 of the core subjects Swedish, English and mathematics: F in Swedish as a "
        "second language (Friday 13 November) (threshold 1). In grade 9 this puts upper-secondary "
        "eligibility at stake: it needs a pass in Swedish (or Swedish as a second language), English "
        "and mathematics"
    )
    assert translate("sv", why) == (
        "Risk för F i 1 av kärnämnena svenska, engelska och matematik: F i svenska som andraspråk "
        "(fredag 13 november) (gräns 1). I årskurs 9 står behörigheten till gymnasiet på spel: den "
        "kräver godkänt i svenska (eller svenska som andraspråk), engelska och matematik"
    )


def test_the_threshold_has_a_swedish_name(school: Driver) -> None:
    school.say("admin", "language sv")
    assert not school.say("admin", "tröskelvärde sätt kärnämnen_med_f_risk 2").outcome.refused
    with school.db.transaction() as session:
        assert thresholds_for(session.get_one(School, 1).thresholds)["core_subjects_at_risk"] == 2
    assert school.say("admin", "tröskelvärde sätt karnamnen_med_f_risk 4").outcome.refused


# --- The rule on imported data ----------------------------------------------------------------------


def test_the_daily_run_raises_an_at_risk_case_from_imported_warnings_and_clears_it_when_withdrawn(
    school: Driver,
) -> None:
    import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW)

    with school.db.transaction() as session:
        sent = [notice for _destination, notice in evaluate_all(session, MONDAY)]
    cards = [render_notification("en", n) for n in sent]
    assert len(cards) == 2  # one card for each student, in the EHT channel
    alex = next(card for card in cards if "7B-03" in card)
    assert "At risk" in alex and "Risk of F in a core subject" in alex
    assert "a warning of F in mathematics (Thursday 12 November) (threshold 1)" in alex
    assert "Mamma" not in alex  # the file's comment column never reaches a card
    bea = next(card for card in cards if "9A-07" in card)
    assert "upper-secondary eligibility at stake" in bea
    swedish = "\n".join(
        next(render_content("sv", n.content) for n in sent if "7B-03" in render_notification("en", n))
    )
    assert "Risk för F i kärnämne" in swedish and "varning för F i matematik (torsdag 12 november)" in swedish
    with school.db.transaction() as session:
        assert {case.risk for case in session.scalars(select(AlertCase))} == {RiskLevel.AT_RISK.value}
        assert evaluate_all(session, MONDAY + timedelta(days=1)) == []  # the same evidence: no news

    # The teacher withdraws the warning on Thursday 26 November; the next daily run clears the rule.
    import_grades(
        school.db, export("varningar_tillbaka.csv"), school="Björkskolan", now=NOW + timedelta(days=6)
    )
    with school.db.transaction() as session:
        [(_destination, notice)] = evaluate_all(session, datetime(2026, 11, 27, 9, tzinfo=UTC))
    assert "Risk of F in a core subject (cleared)" in render_notification("en", notice)
    assert open_cases(school.db)["7B-03"]["risk_of_f"] is None  # cleared, shown as such on the card
    assert open_cases(school.db)["9A-07"]["risk_of_f"] is not None


def test_the_rule_waits_for_a_mentor_and_a_school_day(school: Driver) -> None:
    school.say("admin", "unassign 9A-07")
    import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW)
    with school.db.transaction() as session:
        assert evaluate_all(session, datetime(2026, 11, 21, 9, tzinfo=UTC)) == []  # a Saturday
        sent = evaluate_all(session, MONDAY)
    assert len(sent) == 1 and "7B-03" in render_notification("en", sent[0][1])


def test_the_backtest_counts_the_risk_of_f(school: Driver) -> None:
    import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW)
    import_grades(
        school.db, export("varningar_tillbaka.csv"), school="Björkskolan", now=NOW + timedelta(days=6)
    )
    with school.db.transaction() as session:
        found = session.scalars(select(School).where(School.name == "Björkskolan")).one()
        _start, rows, _fatigue = backtest_school(session, found, date(2026, 11, 2), date(2026, 12, 4))
        assert session.scalar(select(func.count()).select_from(AlertCase)) == 0  # a backtest raises nothing
        # Asking for two core subjects at once: neither student has two.
        _start, stricter, _ = backtest_school(
            session, found, date(2026, 11, 2), date(2026, 12, 4), {"core_subjects_at_risk": 2}
        )
    figures = {row.rule: (row.alerts, row.students) for row in rows}
    # Alex: the warning in mathematics from 12 to 26 November; Bea: an F from 13 November on.
    assert figures["risk_of_f"] == (2, 2)
    assert {row.rule: row.alerts for row in stricter}["risk_of_f"] == 0


# --- Export and retention ----------------------------------------------------------------------------


def test_the_student_export_holds_the_course_signals(school: Driver) -> None:
    import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW)
    data = json.loads(school.say("admin", "student export 7B-03").outcome.reply[0].json)
    assert data["course_signals"] == [
        {
            "subject": "EN",
            "kind": "withdrawn",
            "day": "2026-11-10",
            "source": "CSV",
            "imported_at": NOW.isoformat(),
        },
        {
            "subject": "MA",
            "kind": "warning",
            "day": "2026-11-12",
            "source": "CSV",
            "imported_at": NOW.isoformat(),
        },
    ]


def test_retention_deletes_course_signals_dated_before_the_decision_s_period(school: Driver) -> None:
    school.say("admin", "retention set 100 IHP 2024:3 2024-05-14")
    import_grades(school.db, export("varningar.csv"), school="Björkskolan", now=NOW)
    # Period 100 days: a signal of 12 November goes once the cutoff has passed that date.
    list(run_retention(school.db, datetime(2027, 2, 19, 12, tzinfo=UTC), force=True))
    assert [row[1:3] for row in signals(school.db)] == [("MA", "warning"), ("SVA", "grade_f")]
    list(run_retention(school.db, datetime(2027, 2, 22, 12, tzinfo=UTC), force=True))
    assert signals(school.db) == []


# --- The migration -----------------------------------------------------------------------------------


def test_the_migration_adds_the_course_tables_and_the_grades_watermark_and_takes_them_away(
    db: Database,
) -> None:
    migrate.downgrade(db.engine, "0015")
    inspector = sa.inspect(db.engine)
    assert not {"course_signal", "course_sync"} & set(inspector.get_table_names())
    assert "grades_after" not in {c["name"] for c in inspector.get_columns("attendance_source")}
    migrate.upgrade(db.engine)
    inspector = sa.inspect(db.engine)
    assert {"course_signal", "course_sync"} <= set(inspector.get_table_names())
    assert "grades_after" in {c["name"] for c in inspector.get_columns("attendance_source")}
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CourseSignal)) == 0
