"""The access matrix, cell by cell: every role, every action, own student, another's, another school's.

The same table is in the README ("Who can see what"), and a test holds the two together. A refused
action changes nothing; a student in another school is unknown, never revealed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.home import HomeSummary, home
from models import Mentorship, Student
from schedules.clock import Clock
from tests.clock_support import RecordingNotifier
from tests.driver import Driver

# Actors: coordinator, mentor (anna mentors 7B-03; bo mentors 8A-11), eht (erik), nobody (nils).
ACTORS = ("admin", "anna", "erik", "nils")
Y, N = True, False
# A break still to come, whatever the date the suite runs at (one that is over is refused).
BREAK_ADD = f"break add {datetime.now(UTC).year + 1}-02-15 {datetime.now(UTC).year + 1}-02-19 Sportlov"

# (command, {actor: allowed}); {OWN} is anna's mentee, {OTHER} is bo's, {ALERTED} has an open case,
# {REMOVED} was taken off the programme.
MATRIX: list[tuple[str, dict[str, bool]]] = [
    ("help", {"admin": Y, "anna": Y, "erik": Y, "nils": Y}),
    ("student add 9C-01", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("student edit {OWN} grade=8", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("student export {OWN}", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("students", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("students removed", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("student reactivate {REMOVED}", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("assign {OTHER} @anna", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("unassign {OTHER}", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("mentees", {"admin": Y, "anna": Y, "erik": Y, "nils": Y}),
    ("mentees @bo", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("checkin {OWN}", {"admin": N, "anna": Y, "erik": N, "nils": N}),
    ("checkin {OTHER}", {"admin": N, "anna": N, "erik": N, "nils": N}),
    ("snooze {OWN}", {"admin": N, "anna": Y, "erik": N, "nils": N}),
    ("checkin undo {OWN}", {"admin": N, "anna": Y, "erik": N, "nils": N}),
    ("notmet {OTHER}", {"admin": N, "anna": N, "erik": N, "nils": N}),
    ("cadence {OWN} mon 09:00", {"admin": Y, "anna": Y, "erik": N, "nils": N}),
    ("cadence {OTHER} mon 09:00", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("cadence default tue 09:00", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("history {OWN}", {"admin": Y, "anna": Y, "erik": N, "nils": N}),
    ("history {ALERTED}", {"admin": Y, "anna": N, "erik": Y, "nils": N}),
    ("alerts", {"admin": Y, "anna": N, "erik": Y, "nils": N}),
    ("agenda", {"admin": Y, "anna": N, "erik": Y, "nils": N}),
    ("alert ack 1", {"admin": N, "anna": N, "erik": Y, "nils": N}),
    ("alert own 1", {"admin": N, "anna": N, "erik": Y, "nils": N}),
    ("alert resolve 1 talked", {"admin": N, "anna": N, "erik": Y, "nils": N}),
    ("thresholds", {"admin": Y, "anna": N, "erik": Y, "nils": N}),
    ("threshold set reraise_days 4", {"admin": Y, "anna": N, "erik": Y, "nils": N}),
    ("eht #eht2", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("role add @nils mentor", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("role remove @erik eht", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    (BREAK_ADD, {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("break list", {"admin": Y, "anna": Y, "erik": Y, "nils": N}),
    ("retention set 400 IHP 2024:3", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("attendance", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("attendance source off", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("student remove {OTHER}", {"admin": Y, "anna": N, "erik": N, "nils": N}),
    ("language en", {"admin": Y, "anna": Y, "erik": Y, "nils": Y}),
]
CELLS = [(command, actor, allowed[actor]) for command, allowed in MATRIX for actor in ACTORS]


@pytest.fixture
def school(bot: Driver) -> Driver:
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "student add 8A-11")
    bot.say("admin", "student add 9A-07")
    bot.say("admin", "assign 7B-03 @anna")
    bot.say("admin", "assign 8A-11 @bo")
    bot.say("admin", "assign 9A-07 @bo")
    bot.say("admin", "role add @erik eht")
    bot.say("admin", "eht #eht")
    bot.check_in("bo", "9A-07", affective="1")  # opens case #1 for 9A-07
    bot.check_in("anna", "7B-03")  # one anna may withdraw
    # The clock prompts anna about 7B-03, so there is a check-in to snooze.
    with bot.db.transaction() as session:
        own = select(Mentorship.next_due_at).join(Student).where(Student.code == "7B-03")
        due = session.scalars(own).one()
    Clock(bot.db, RecordingNotifier(), worker="test").tick(due)
    bot.say("admin", "student add 6A-01")
    bot.say("admin", "student remove 6A-01")
    return bot


def fill(command: str) -> str:
    return command.format(OWN="7B-03", OTHER="8A-11", ALERTED="9A-07", REMOVED="6A-01")


@pytest.mark.parametrize(("command", "actor", "allowed"), CELLS, ids=[f"{a}:{c}" for c, a, _ in CELLS])
def test_cell(school: Driver, command: str, actor: str, allowed: bool) -> None:
    reply = school.say(actor, fill(command))
    assert reply.outcome.refused is not allowed, reply.text


STUDENT_COMMANDS = [c for c, _ in MATRIX if "{" in c]


@pytest.mark.parametrize("command", STUDENT_COMMANDS)
def test_nobody_reaches_a_student_of_another_school(school: Driver, command: str) -> None:
    # The other school's coordinator, with every role, still cannot see school A's students.
    for role in ("mentor", "eht"):
        school.say("admin", f"role add @admin {role}", workspace="school-b")
    reply = school.say("admin", fill(command), workspace="school-b")
    assert reply.outcome.refused
    assert "There is no student with the code" in reply.text


def test_a_refused_action_changes_nothing(school: Driver) -> None:
    before = school.say("admin", "students").text
    for command, allowed in MATRIX:
        if not allowed["nils"]:
            school.say("nils", fill(command))
    assert school.say("admin", "students").text == before
    assert "#1" in school.say("erik", "alerts").text


def test_the_home_shows_each_role_only_what_the_matrix_lets_them_list(school: Driver) -> None:
    school.say("admin", "student add 9C-01")  # no mentor yet

    def overview(user: str) -> HomeSummary:
        [summary] = school.core.run(school.caller(user), home).reply
        assert isinstance(summary, HomeSummary)
        return summary

    coordinator = overview("admin").school
    assert coordinator is not None and coordinator.unassigned == ["9C-01"] and coordinator.overdue == []
    eht = overview("erik").school
    assert eht is not None and [a.student_code for a in eht.open_alerts] == ["9A-07"]
    assert eht.unassigned is None and eht.overdue is None
    assert overview("anna").school is None


# Each row of the README's table, and the commands of MATRIX it speaks for.
README_ROWS: dict[str, list[str]] = {
    "register, edit, remove, reactivate students; list all students and removed ones": [
        "student add 9C-01",
        "student edit {OWN} grade=8",
        "students",
        "student remove {OTHER}",
        "students removed",
        "student reactivate {REMOVED}",
    ],
    "assign, reassign, unassign mentors": ["assign {OTHER} @anna", "unassign {OTHER}"],
    "export everything about a student (`student export`)": ["student export {OWN}"],
    "own caseload (`mentees`)": ["mentees"],
    "another mentor's caseload (`mentees @user`)": ["mentees @bo"],
    "log a check-in, snooze, did not meet": [
        "checkin {OWN}",
        "checkin {OTHER}",
        "snooze {OWN}",
        "notmet {OTHER}",
    ],
    "withdraw one's own check-in within 24 hours (`checkin undo`)": ["checkin undo {OWN}"],
    "change a mentee's cadence": ["cadence {OWN} mon 09:00", "cadence {OTHER} mon 09:00"],
    "read a student's check-in history (never the note)": ["history {OWN}", "history {ALERTED}"],
    "list open cases; the EHT meeting's agenda (`agenda`)": ["alerts", "agenda"],
    # Not a command: test_the_home_shows_each_role_only_what_the_matrix_lets_them_list.
    "the Home tab's school overview: students without a mentor, overdue check-ins": [],
    "acknowledge, own, resolve cases; record an investigation": [
        "alert ack 1",
        "alert own 1",
        "alert resolve 1 talked",
    ],
    "see and change thresholds": ["thresholds", "threshold set reraise_days 4"],
    "list the school breaks (`break list`)": ["break list"],
    "EHT channel, roles, school cadence, add and remove breaks, retention": [
        "eht #eht2",
        "role add @nils mentor",
        "role remove @erik eht",
        "cadence default tue 09:00",
        BREAK_ADD,
        "retention set 400 IHP 2024:3",
    ],
    "how the imports of attendance from the school's system went (`attendance`), and its source": [
        "attendance",
        "attendance source off",
    ],
}
EVERYONE = {"help", "language en"}


def readme_table() -> dict[str, list[str]]:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("**Who can see what.**", 1)[1].split("\n\n", 2)[1]
    rows = [re.split(r"\s*\|\s*", line.strip().strip("|").strip()) for line in section.splitlines()]
    return {row[0]: row[1:] for row in rows[2:]}


def readme_allows(cell: str, command: str) -> bool | None:
    if cell == "-":
        return None
    if cell.startswith("while the student has an open case"):
        return "{ALERTED}" in command
    return cell.startswith("yes")


def test_the_readme_table_says_what_the_code_does() -> None:
    table = readme_table()
    assert list(table) == list(README_ROWS)
    assert {c for commands in README_ROWS.values() for c in commands} | EVERYONE == {c for c, _ in MATRIX}
    allowed = dict(MATRIX)
    for row, commands in README_ROWS.items():
        coordinator, own, others, eht, nobody = table[row]
        for command in commands:
            mentor = others if "{OTHER}" in command or "{ALERTED}" in command else own
            cells = {"admin": coordinator, "anna": mentor, "erik": eht, "nils": nobody}
            for actor, cell in cells.items():
                says = readme_allows(cell, command)
                assert says in (None, allowed[command][actor]), f"README row {row!r}: {actor} {command!r}"
