"""Console mode end to end: the `mentorbot` command driven through stdin, as a newcomer would."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.console import Console
from bot.notify import TextNotifier
from handlers import checkins
from handlers.actors import SchoolDefaults
from handlers.checkin_form import CheckInAnswers, InvalidCheckIn
from models.crypto import new_key
from models.db import Database
from models.messages import msg
from schedules.clock import Clock

MENTORBOT = str(Path(sys.executable).with_name("mentorbot"))
KEY = new_key()
CONSOLE_DEFAULTS = SchoolDefaults("Europe/Stockholm", "en", frozenset({"admin"}))


def run(script: str, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("MENTORBOT_", "DATABASE_URL", "SLACK_"))
    }
    environment.update(env)
    return subprocess.run(
        [MENTORBOT, *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
    )


def test_the_readme_example_lists_the_mentee(tmp_path: Path) -> None:
    result = run(
        "student add 7B-03\nrole add @anna mentor\nassign 7B-03 @anna\n:as anna\nmentees\n",
        tmp_path,
        "console",
        "--as",
        "admin",
        MENTORBOT_COORDINATORS="admin",
    )
    assert result.returncode == 0, result.stderr
    mentees = result.stdout.split("anna> mentees", 1)[1]
    assert "7B-03" in mentees
    assert "[→ @anna]" in result.stdout  # what would be sent to anna is shown as such
    assert (tmp_path / "data" / "mentorbot.sqlite3").exists()
    assert "Traceback" not in result.stderr


def test_data_survives_a_restart(tmp_path: Path) -> None:
    run("student add 7B-03\n", tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin")
    result = run("students\n", tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin")
    assert "7B-03" in result.stdout


def test_report_prints_the_figures_and_writes_the_chart_in_the_data_directory(tmp_path: Path) -> None:
    result = run("rapport\n", tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin")
    assert result.returncode == 0, result.stderr
    assert "Nyckeltal, " in result.stdout and "elever i programmet: < 5" in result.stdout
    [chart] = (tmp_path / "data" / "reports").glob("report-*.png")
    assert f"Diagrammet: {chart.relative_to(tmp_path)}" in result.stdout
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert (chart.parent.stat().st_mode & 0o777) == 0o700  # beside the database, as private


SETUP_ANNA = ["student add 7B-03", "role add @anna mentor", "assign 7B-03 @anna", ":as anna"]


def test_check_in_form_question_by_question_with_retries(tmp_path: Path) -> None:
    # met, days absent, unexcused, lessons, guardians told?, late, four ratings (one retried), ...
    answers = ["yes", "1", "1", "0", "no", "2", "4", "four", "4", "3", "3", "Football", "no", ""]
    script = "\n".join([*SETUP_ANNA, "checkin 7B-03", *answers, "mentees"])
    result = run(
        script + "\n",
        tmp_path,
        "console",
        "--as",
        "admin",
        MENTORBOT_COORDINATORS="admin",
        MENTORBOT_LANGUAGE="en",
    )
    out = result.stdout
    assert "Did you meet the student" in out
    assert out.count("Enter a whole number from 1 to 5.") == 1  # "four" was asked again
    assert "Check-in for 7B-03 saved" in out
    assert "guardians must be told the same day" in out
    assert "last check-in" in out.split("anna> mentees", 1)[1]


def test_check_in_cut_short_saves_nothing(tmp_path: Path) -> None:
    script = "student add 7B-03\nrole add @anna mentor\nassign 7B-03 @anna\n:as anna\ncheckin 7B-03\nyes\n0\n"
    result = run(
        script, tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin", MENTORBOT_LANGUAGE="en"
    )
    assert "Check-in cancelled; nothing was saved." in result.stdout
    again = run(":as anna\nmentees\n", tmp_path, "console", "--as", "admin", MENTORBOT_LANGUAGE="en")
    assert "never checked in" in again.stdout


def test_swedish_by_default_and_non_coordinator_refused(tmp_path: Path) -> None:
    result = run(
        "student add 7B-03\n:as mallory\ntilldela 7B-03 @mallory\nhjälp\n",
        tmp_path,
        "console",
        "--as",
        "admin",
        MENTORBOT_COORDINATORS="admin",
    )
    assert "Eleven 7B-03 är registrerad" in result.stdout
    assert "Det kan bara koordinatorer göra" in result.stdout
    assert "Kommandon" in result.stdout


def test_bad_input_of_every_kind_keeps_the_console_running(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "xyzzy",
            "asign 7B-03 @anna",
            'student add "7B-03',
            "student add 19900101-0017",
            "student add ../../etc/passwd",
            "assign",
            "\x00\x01weird",
            ":as",
            "x" * 5000,
            "students",
        ]
    )
    result = run(
        script + "\n",
        tmp_path,
        "console",
        "--as",
        "admin",
        MENTORBOT_COORDINATORS="admin",
        MENTORBOT_LANGUAGE="en",
    )
    assert result.returncode == 0
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout
    assert "The closest command is:" in out and "Usage: assign CODE @mentor" in out
    assert "quotation mark is not closed" in out
    assert "looks like a personal identity number" in out
    assert "is not a valid student code" in out
    assert "No students yet" in out


def test_without_configured_coordinators_the_console_user_runs_the_school(tmp_path: Path) -> None:
    result = run("student add 7B-03\n", tmp_path, "console", "--as", "kim", MENTORBOT_LANGUAGE="en")
    assert "Student 7B-03 registered" in result.stdout
    assert "@kim is now its coordinator" in result.stdout


def test_only_who_opens_an_empty_console_school_becomes_its_coordinator(tmp_path: Path) -> None:
    env = {"MENTORBOT_LANGUAGE": "en"}
    first = run("student add 7B-03\n:as bo\nstudent add 7B-04\n", tmp_path, "console", "--as", "kim", **env)
    assert "Student 7B-03 registered" in first.stdout
    assert "Only coordinators can do that" in first.stdout.split("bo> student add 7B-04", 1)[1]
    # Starting the console again as someone else grants nothing: the school has its coordinator.
    again = run("student add 7B-05\n", tmp_path, "console", "--as", "mentor01", **env)
    assert "coordinator" not in again.stdout.split("mentor01> student add 7B-05", 1)[0]
    assert "Only coordinators can do that" in again.stdout
    assert "7B-05" not in run("students\n", tmp_path, "console", "--as", "kim", **env).stdout


def test_the_demo_mentor_stays_a_mentor(tmp_path: Path) -> None:
    env = {"MENTORBOT_LANGUAGE": "en"}
    seeded = run("", tmp_path, "seed", "--console", "--students", "8", "--check-ins-per-student", "1", **env)
    assert seeded.returncode == 0, seeded.stderr
    result = run("student add 9Z-99\nmentees\n", tmp_path, "console", "--as", "mentor01", **env)
    # The seeded school speaks Swedish.
    assert "Det kan bara koordinatorer göra" in result.stdout
    assert "9Z-99" not in result.stdout.split("mentor01> mentees", 1)[1]


def test_a_coordinator_named_for_another_workspace_is_not_one_here(tmp_path: Path) -> None:
    env = {"MENTORBOT_LANGUAGE": "en"}
    other = run(
        "student add 7B-03\n", tmp_path, "console", "--as", "kim", MENTORBOT_COORDINATORS="T0SKOLA:kim", **env
    )
    assert "Only coordinators" in other.stdout
    # The console's own workspace is called "local".
    here = run(
        "student add 7B-03\n", tmp_path, "console", "--as", "kim", MENTORBOT_COORDINATORS="local:kim", **env
    )
    assert "Student 7B-03 registered" in here.stdout


def test_running_with_no_chat_credentials_opens_the_console(tmp_path: Path) -> None:
    result = run("help\n", tmp_path, MENTORBOT_LANGUAGE="en")
    assert result.returncode == 0
    assert "Commands (type help COMMAND" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MENTORBOT_TIMEZONE", "Europe/Stokholm"),
        ("MENTORBOT_LANGUAGE", "de"),
        ("DATABASE_URL", "mysql://x"),
        ("MENTORBOT_SECRET_KEY", "not-a-key"),
        ("MENTORBOT_DIGEST_AT", "someday"),
        ("MENTORBOT_TICK_SECONDS", "0"),
        ("MENTORBOT_COORDINATORS", "T0SKOLA:U01:U02"),
    ],
)
def test_a_wrong_setting_stops_start_up_with_one_line(tmp_path: Path, variable: str, value: str) -> None:
    result = run("", tmp_path, "console", "--as", "admin", **{variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0]
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    result = run(
        "",
        tmp_path,
        "db",
        "upgrade",
        DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
        MENTORBOT_SECRET_KEY=KEY,
    )
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_on_a_server_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    result = run("", tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert result.returncode == 0 and "revision" in result.stdout


def test_a_worrying_check_in_prints_an_alert_for_the_eht_channel(tmp_path: Path) -> None:
    # met, days absent, unexcused, lessons, late, ratings (affective 1), strengths, concern, note
    answers = ["yes", "0", "0", "0", "4", "4", "3", "1", "", "no", "Secret note about home"]
    script = "\n".join(
        [
            "student add 7B-03 grade=7 class=7B",
            "role add @anna mentor",
            "assign 7B-03 @anna",
            "role add @erik eht",
            "eht #eht",
            ":as anna",
            "checkin 7B-03",
            *answers,
            ":as erik",
            "alert ack 1",
        ]
    )
    result = run(
        script + "\n",
        tmp_path,
        "console",
        "--as",
        "admin",
        MENTORBOT_COORDINATORS="admin",
        MENTORBOT_LANGUAGE="en",
    )
    out = result.stdout
    assert "[→ #eht] 🟠 At risk · Case #1 · 7B-03 (grade 7, 7B) · Low engagement" in out
    assert "• Low engagement: affective engagement rated 1" in out
    assert "acknowledged by @erik" in out.split("erik> alert ack 1", 1)[1]
    assert "Secret note" not in out.split("  > Secret note about home", 1)[1]
    assert "Traceback" not in result.stderr


def test_backtest_runs_on_an_empty_database_and_prints_zeros(tmp_path: Path) -> None:
    result = run("", tmp_path, "rules", "backtest", "--set", "attendance_percent=85")
    assert result.returncode == 0, result.stderr
    table, fatigue = result.stdout.split("  EHT channel")
    lines = [line.split() for line in table.splitlines() if line.startswith("  ") and "rule" not in line]
    assert [line[0] for line in lines] == [
        "attendance",
        "absent_days",
        "skipped_lessons",
        "late_arrivals",
        "low_rating",
        "rating_drop",
        "concern",
        "no_contact",
        "risk_of_f",
    ]
    # Alerts, students, cases, closed, not relevant, and no precision without a closed case.
    assert all(line[1:7] == ["0", "0", "0", "0", "0", "-"] for line in lines)
    assert "attendance_percent=85" in result.stdout
    assert "0.00 cards per student per month, 0.0 messages per week" in fatigue


def test_backtest_after_a_worrying_check_in_counts_it(tmp_path: Path) -> None:
    script = (
        "student add 7B-03\nrole add @anna mentor\nassign 7B-03 @anna\n"
        ":as anna\ncheckin 7B-03\nyes\n0\n0\n0\n4\n4\n3\n1\n\nno\n\n"
    )
    run(script, tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin")
    result = run("", tmp_path, "rules", "backtest")
    low = next(line.split() for line in result.stdout.splitlines() if line.strip().startswith("low_rating"))
    # One alert for one student; one stored case, still open.
    assert low[1:7] == ["1", "1", "1", "0", "0", "-"]
    assert "after/before: 1.00 of before" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "attendance_percent=101"], "from 50 to 100"),
        (["--set", "nonsense"], "There is no threshold called nonsense"),
        (["--from", "2026-13-01"], "is not a date"),
        (["--from", "2026-05-01", "--to", "2026-01-01"], "--from must not be after --to"),
    ],
)
def test_backtest_refuses_bad_options_in_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    result = run("", tmp_path, "rules", "backtest", *args)
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command", [[], ["run"], ["console"], ["db"], ["db", "upgrade"], ["rules"], ["rules", "backtest"]]
)
def test_every_subcommand_has_help(tmp_path: Path, command: list[str]) -> None:
    result = run("", tmp_path, *command, "--help")
    assert result.returncode == 0
    assert "usage: mentorbot" in result.stdout


def test_the_console_clock_prints_due_prompts_and_dispatch_reports(tmp_path: Path) -> None:
    env = {"MENTORBOT_COORDINATORS": "admin", "MENTORBOT_LANGUAGE": "en"}
    setup = "student add 7B-03\nrole add @anna mentor\nassign 7B-03 @anna\n"
    run(setup, tmp_path, "console", "--as", "admin", **env)
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "mentorbot.sqlite3") as connection:
        # Due a second ago by the clock the console runs on (the suite's, also at a simulated date;
        # not SQLite's own 'now'): a prompt the clock sees the same day is sent at once.
        due = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
        connection.execute("UPDATE mentorship SET next_due_at = ?", (due,))
    result = run(":tick\n:tick\n", tmp_path, "console", "--as", "admin", **env)
    assert "[→ @anna] Time to check in:" in result.stdout
    assert "checkin 7B-03 | snooze 7B-03 | notmet 7B-03" in result.stdout
    assert result.stdout.count("Time to check in") == 1
    assert "nothing is due" in result.stdout
    report = run("", tmp_path, "dispatch", **env)
    assert report.returncode == 0
    assert "recorded 0 prompt(s)" in report.stdout


@pytest.mark.parametrize("command", [["worker"], ["dispatch"]])
def test_clock_commands_have_help(tmp_path: Path, command: list[str]) -> None:
    result = run("", tmp_path, *command, "--help")
    assert result.returncode == 0 and "usage: mentorbot" in result.stdout


def test_a_server_database_needs_a_configured_key(tmp_path: Path) -> None:
    result = run("", tmp_path, "db", "upgrade", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("mentorbot: MENTORBOT_SECRET_KEY must be set with a server database")


# -- the check-in form: nothing typed is lost ------------------------------------------------------

ADMIN = {"MENTORBOT_COORDINATORS": "admin", "MENTORBOT_LANGUAGE": "en"}
SETUP = ["student add 7B-01", "role add @anna mentor", "assign 7B-01 @anna", ":as anna"]


def test_more_unexcused_lessons_than_absences_is_asked_again_at_that_question(tmp_path: Path) -> None:
    # met, days absent, lessons missed 1, unexcused 2 (impossible) then 1, guardians told, late, ratings...
    answers = ["yes", "0", "1", "2", "1", "yes", "0", "4", "4", "4", "4", "", "no", ""]
    result = run(
        "\n".join([*SETUP, "checkin 7B-01", *answers, "history 7B-01"]) + "\n",
        tmp_path,
        "console",
        "--as",
        "admin",
        **ADMIN,
    )
    out = result.stdout
    assert "Check-in for 7B-01 saved" in out
    history = out.split("anna> history 7B-01", 1)[1]
    assert "lessons missed 1 (1 unexcused)" in history
    asked = "Of those lessons, how many were unexcused? [0-1]\n  > 2\n"
    assert asked + "  Cannot be more than the absences given (1)." in out
    assert "Type :cancel at any question to stop" in out


def test_cancel_in_the_form_saves_nothing(tmp_path: Path) -> None:
    result = run(
        "\n".join([*SETUP, "checkin 7B-01", "yes", ":cancel", "history 7B-01"]) + "\n",
        tmp_path,
        "console",
        "--as",
        "admin",
        **ADMIN,
    )
    assert "Check-in cancelled; nothing was saved." in result.stdout
    assert "Check-in for 7B-01 saved" not in result.stdout


def test_an_answer_the_core_refuses_is_asked_again_with_the_others_kept(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However a rule between answers comes to be checked only on saving, the console asks again
    just the answers it names, and saves once they are right."""
    clock = Clock(db, TextNotifier(io.StringIO()))
    coordinator = io.StringIO("student add 7B-01\nrole add @anna mentor\nassign 7B-01 @anna\n")
    Console(db, CONSOLE_DEFAULTS, "admin", coordinator, io.StringIO(), clock=clock).run()

    checked = checkins.validate
    refusals = [InvalidCheckIn({"late_arrivals": msg("Not that many late arrivals in one week.")})]

    def strict(raw: Mapping[str, object]) -> CheckInAnswers:
        if refusals:
            raise refusals.pop()
        return checked(raw)

    monkeypatch.setattr(checkins, "validate", strict)
    answers = ["yes", "0", "0", "9", "4", "4", "4", "4", "Football", "no", "", "2", "history 7B-01"]
    out = io.StringIO()
    Console(
        db,
        CONSOLE_DEFAULTS,
        "anna",
        io.StringIO("checkin 7B-01\n" + "\n".join(answers) + "\n"),
        out,
        clock=clock,
    ).run()
    text = out.getvalue()
    again = text.split("Some answers need another look:", 1)[1]
    assert again.startswith(
        "\n  Late arrivals since the last check-in? [0-100]\n  Not that many late arrivals"
    )
    assert again.count("?") == 1  # only that question was asked again
    assert "Check-in for 7B-01 saved" in again
    assert "late arrivals 2" in text.split("anna> history 7B-01", 1)[1]


# -- names: a typo is not a new person -----------------------------------------------------------


def test_a_mistyped_mentor_is_refused_with_the_closest_names(tmp_path: Path) -> None:
    script = [
        "student add 7B-01",
        "role add @anna mentor",
        "assign 7B-01 @anna",
        "assign 7B-01 @anan",
        "assign 7B-01 @zed",
        "mentees @anan",
        "students",
    ]
    result = run("\n".join(script) + "\n", tmp_path, "console", "--as", "admin", **ADMIN)
    out = result.stdout
    assert "I do not know @anan. Did you mean @anna? (Someone new: role add @anan mentor)" in out
    assert "I do not know @zed. Someone new is added with: role add @zed mentor" in out
    assert out.split("admin> mentees @anan", 1)[1].startswith("\nI do not know @anan.")
    assert "@anan" not in out.split("admin> students", 1)[1]
    listed = out.split("admin> students", 1)[1]
    assert "7B-01" in listed and "@anna" in listed


def test_names_match_in_any_case_and_someone_new_is_added_deliberately(tmp_path: Path) -> None:
    script = [
        "student add 7B-01",
        "student add 7B-02",
        "role add @Åsa.Öberg mentor",
        "assign 7B-01 @åsa.öberg",
        "role add @ÅSA.ÖBERG mentor",
        "role add @bo mentor",
        "assign 7B-02 @Bo",
        ":as ÅSA.öberg",
        "mentees",
    ]
    result = run("\n".join(script) + "\n", tmp_path, "console", "--as", "admin", **ADMIN)
    out = result.stdout
    assert "7B-01 is now mentored by @Åsa.Öberg." in out
    assert "@Åsa.Öberg already has the role mentor." in out
    assert "7B-02 is now mentored by @bo." in out
    assert "You are now acting as @Åsa.Öberg." in out
    assert "7B-01" in out.split("Åsa.Öberg> mentees", 1)[1]


def test_switching_to_an_unknown_name_says_who_was_probably_meant(tmp_path: Path) -> None:
    result = run("role add @anna mentor\n:as anan\nmentees\n", tmp_path, "console", "--as", "admin", **ADMIN)
    assert "You are now acting as @anan, who is new here. Did you mean @anna?" in result.stdout
    assert "anan> mentees" in result.stdout


# -- import FILE.csv -------------------------------------------------------------------------------


def test_import_a_csv_file_reports_bad_rows_and_half_writes_nothing(tmp_path: Path) -> None:
    # As Excel saves it for Sweden: semicolons, a Swedish header, Windows-1252.
    rows = [
        "kod;namn;årskurs;klass;mentor",
        "9A-01;Kim;9;9A;Anna",  # the known @anna, written in another case
        "9A-02;Sam;4;9A;anna",  # grade out of range
        "9A-03;Lo;9;9A;anan",  # a mistyped mentor: the student must not be half-registered
        "7B-01;Alex again",  # already registered
        "9A-04;Åsa;9;9A",
    ]
    (tmp_path / "klass 9A.csv").write_bytes("\r\n".join(rows).encode("cp1252"))
    script = ["student add 7B-01", "role add @anna mentor", 'import "klass 9A.csv"', "students"]
    result = run("\n".join(script) + "\n", tmp_path, "console", "--as", "admin", **ADMIN)
    report = result.stdout.split('admin> import "klass 9A.csv"', 1)[1].split("admin> students", 1)[0]
    assert "Import: 2 of 5 rows saved." in report
    assert "Row 3 9A-02: The grade must be between 5 and 9." in report
    assert "Row 4 9A-03: I do not know @anan. Did you mean @anna?" in report
    assert "Row 5 7B-01:" in report
    assert "[→ @anna] You are now the mentor of 9A-01" in report
    listed = result.stdout.split("admin> students", 1)[1]
    assert "9A-01" in listed and "Åsa" in listed
    assert "9A-02" not in listed and "9A-03" not in listed


def test_a_long_import_shows_progress_and_others_cannot_import(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("\n".join(f"6A-{n:02d},,6,6A" for n in range(1, 61)))
    script = ["import roster.csv", "import", "import missing.csv", "help", ":as bo", "import roster.csv"]
    result = run("\n".join(script) + "\n", tmp_path, "console", "--as", "admin", **ADMIN)
    out = result.stdout
    assert "Importing 60 rows; I will report when it is done." in out
    assert "25 of 60 rows done…" in out and "50 of 60 rows done…" in out
    assert "Import: 60 of 60 rows saved." in out
    assert "Usage: import FILE.csv" in out
    assert "I cannot read the file missing.csv." in out
    assert "import FILE.csv registers many students" in out.split("admin> help", 1)[1]
    refused = out.split("bo> import roster.csv", 1)[1]
    assert refused.strip() == "Only coordinators can do that. Ask a coordinator to give you the role."


def test_the_interactive_console_keeps_log_lines_off_the_screen(tmp_path: Path) -> None:
    """In a terminal the clock runs in the background; its log lines go to a file, not over the prompt."""
    main, terminal = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("MENTORBOT_", "DATABASE_URL"))}
    environment.update(MENTORBOT_COORDINATORS="admin", MENTORBOT_LANGUAGE="en", MENTORBOT_TICK_SECONDS="5")
    process = subprocess.Popen(
        [MENTORBOT, "console", "--as", "admin"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=tmp_path,
        env=environment,
    )
    os.close(terminal)
    screen = _read_terminal(main, until="admin> ")
    os.write(main, b"students\n")
    screen += _read_terminal(main, until="No students yet", seconds=30)
    time.sleep(6)  # a tick of the clock in the background
    os.write(main, b":quit\n")
    screen += _read_terminal(main, until="\x00", seconds=10)
    process.wait(timeout=30)
    os.close(main)
    assert "No students yet" in screen
    assert "INFO" not in screen and "apscheduler" not in screen
    assert "apscheduler" in (tmp_path / "data" / "console.log").read_text()


def _read_terminal(fd: int, until: str, seconds: float = 60) -> str:
    seen = b""
    deadline = time.monotonic() + seconds
    while until.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the console has ended
                break
            seen += chunk
    return seen.decode(errors="replace")


# -- several schools in the console's workspace ------------------------------------------------


def test_replies_and_notifications_name_the_school_only_where_there_are_several(db: Database) -> None:
    out = io.StringIO()
    clock = Clock(db, TextNotifier(out))
    admins = SchoolDefaults("Europe/Stockholm", "en", frozenset({"admin"}), admins=frozenset({"admin"}))
    script = [
        "role add @mia mentor",
        "student add 7B-01",
        "assign 7B-01 @mia",
        "school rename Söderskolan",
        "school add Norrskolan @bea",
        "students",
        ":as bea",
        "role add @mia mentor",
        "student add 7B-01",
        "assign 7B-01 @mia",
        ":as mia",
        "mentees",
    ]
    Console(db, admins, "admin", io.StringIO("\n".join(script) + "\n"), out, clock=clock).run()
    one_school, several = out.getvalue().split("admin> school add Norrskolan @bea", 1)
    # One school: no names, neither on replies nor on what is sent.
    assert "\n[→ @mia] You are now the mentor of 7B-01" in one_school
    assert "\nStudent 7B-01 registered" in one_school and "skolan]" not in one_school
    # The admin works across schools: each answer says which school it is about.
    assert "admin> students\n[Söderskolan] Students:" in several
    # Bea works in Norrskolan only: her answers carry no name, but what Mia is sent names it.
    assert "bea> student add 7B-01\nStudent 7B-01 registered" in several
    assert "\n[Norrskolan] [→ @mia] You are now the mentor of 7B-01" in several
    assert "\n7B-01 is now mentored by @mia." in several
    # Mia mentors in both: her answers name the school she acts in.
    assert "mia> mentees\n[Söderskolan] Your mentees:" in several
