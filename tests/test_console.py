"""Console mode end to end: the `mentorbot` command driven through stdin, as a newcomer would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.crypto import new_key

MENTORBOT = str(Path(sys.executable).with_name("mentorbot"))
KEY = new_key()


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
        "student add 7B-03\nassign 7B-03 @anna\n:as anna\nmentees\n",
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


def test_check_in_form_question_by_question_with_retries(tmp_path: Path) -> None:
    # met, days absent, unexcused, lessons, guardians told?, late, four ratings (one retried), ...
    answers = ["yes", "1", "1", "0", "no", "2", "4", "four", "4", "3", "3", "Football", "no", ""]
    script = "\n".join(
        ["student add 7B-03", "assign 7B-03 @anna", ":as anna", "checkin 7B-03", *answers, "mentees"]
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
    assert "Did you meet the student" in out
    assert out.count("Enter a whole number from 1 to 5.") == 1  # "four" was asked again
    assert "Check-in for 7B-03 saved" in out
    assert "guardians must be told the same day" in out
    assert "last check-in" in out.split("anna> mentees", 1)[1]


def test_check_in_cut_short_saves_nothing(tmp_path: Path) -> None:
    script = "student add 7B-03\nassign 7B-03 @anna\n:as anna\ncheckin 7B-03\nyes\n0\n"
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
    assert "@kim is coordinator" in result.stderr


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
    assert "[→ #eht] ⚠ Alert #1 · 7B-03 (grade 7, 7B) · Low engagement" in out
    assert "Evidence: affective engagement rated 1" in out
    assert "acknowledged by @erik" in out.split("erik> alert ack 1", 1)[1]
    assert "Secret note" not in out.split("  > Secret note about home", 1)[1]
    assert "Traceback" not in result.stderr


def test_backtest_runs_on_an_empty_database_and_prints_zeros(tmp_path: Path) -> None:
    result = run("", tmp_path, "rules", "backtest", "--set", "attendance_percent=85")
    assert result.returncode == 0, result.stderr
    lines = [
        line.split() for line in result.stdout.splitlines() if line.startswith("  ") and "rule" not in line
    ]
    assert [line[0] for line in lines] == [
        "attendance",
        "absent_days",
        "skipped_lessons",
        "late_arrivals",
        "low_rating",
        "rating_drop",
        "concern",
        "no_contact",
    ]
    assert all(line[1:3] == ["0", "0"] for line in lines)
    assert "attendance_percent=85" in result.stdout


def test_backtest_after_a_worrying_check_in_counts_it(tmp_path: Path) -> None:
    script = (
        "student add 7B-03\nassign 7B-03 @anna\n:as anna\ncheckin 7B-03\nyes\n0\n0\n0\n4\n4\n3\n1\n\nno\n\n"
    )
    run(script, tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin")
    result = run("", tmp_path, "rules", "backtest")
    low = next(line.split() for line in result.stdout.splitlines() if line.strip().startswith("low_rating"))
    assert low[1:3] == ["1", "1"]


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
    run("student add 7B-03\nassign 7B-03 @anna\n", tmp_path, "console", "--as", "admin", **env)
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "mentorbot.sqlite3") as connection:
        # Due a second ago by the real clock the console runs on (SQLite's own 'now', which the
        # suite's fake date does not move): a prompt the clock sees the same day is sent at once.
        connection.execute(
            "UPDATE mentorship SET next_due_at = strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '-1 second')"
        )
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
