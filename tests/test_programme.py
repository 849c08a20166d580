"""The programme lead's figures: per school, no child named, nothing from fewer than 5 students."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.render_text import render_reply
from bot.slack.blocks import reply_blocks
from bot.teams.messages import reply_activities
from handlers.early_warning import WITHDRAWN
from handlers.programme import (
    MIN_STUDENTS,
    OUTCOMES,
    SchoolFigures,
    programme_figures,
    show_programme,
)
from models import (
    CheckIn,
    CheckInKind,
    Member,
    Mentorship,
    Organisation,
    Person,
    School,
    SchoolBreak,
    Student,
)
from models.calendar import SchoolCalendar
from models.db import Database
from models.messages import Refused
from models.trends import Direction
from tests.case_support import add_case
from tests.driver import Driver

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday; the period is from 24 October 12:00 UTC
STOCKHOLM = ZoneInfo("Europe/Stockholm")
LONG_AGO = datetime(2026, 8, 17, 6, 0, tzinfo=UTC)
LEADS = frozenset({"T-UMEA:lead", "programme-boss"})
T = TypeVar("T")


def local(month: int, day: int, hour: int = 9) -> datetime:
    """A Stockholm wall-clock time in 2026, as stored (UTC)."""
    return datetime(2026, month, day, hour, tzinfo=STOCKHOLM).astimezone(UTC)


class Builder:
    """Rows as the product stores them, written directly with the models."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.organisations: dict[str, Organisation] = {}

    def school(self, organisation: str, workspace: str, name: str, breaks: Sequence[date] = ()) -> School:
        if workspace not in self.organisations:
            self.organisations[workspace] = Organisation(
                platform="teams", workspace_id=workspace, name=organisation, created_at=LONG_AGO
            )
        school = School(
            organisation=self.organisations[workspace],
            platform="teams",
            workspace_id=workspace,
            name=name,
            created_at=LONG_AGO,
            breaks=[SchoolBreak(starts_on=day, ends_on=day, name="studiedag") for day in breaks],
        )
        mentor = Member(school=school, user_id=f"mentor-{name}", is_mentor=True, created_at=LONG_AGO)
        self.session.add_all([school, mentor])
        self.session.flush()
        self.mentor = mentor
        return school

    def student(
        self, school: School, code: str, active: bool = True, mentored: bool | None = True
    ) -> Student:
        """`mentored`: True an active mentorship, False an ended one, None never one."""
        student = Student(
            school=school,
            code=code,
            display_name=f"Name of {code}",
            active=active,
            created_at=LONG_AGO,
            deactivated_at=None if active else LONG_AGO + timedelta(days=30),
        )
        self.session.add(student)
        if mentored is not None:
            mentor = self.session.query(Member).filter_by(school=school).first()
            self.session.add(
                Mentorship(
                    student=student,
                    mentor=mentor,
                    started_at=LONG_AGO,
                    ended_at=None if mentored else LONG_AGO + timedelta(days=20),
                )
            )
        self.session.flush()
        return student

    def check_in(
        self,
        student: Student,
        at: datetime,
        absent: int,
        ratings: int | tuple[int | None, ...] | None,
        withdrawn: bool = False,
    ) -> None:
        four = (ratings,) * 4 if ratings is None or isinstance(ratings, int) else ratings
        behavioural, academic, cognitive, affective = four
        self.session.add(
            CheckIn(
                student=student,
                recorded_at=at,
                kind=CheckInKind.SCHEDULED,
                met=True,
                absent_days=absent,
                behavioural=behavioural,
                academic=academic,
                cognitive=cognitive,
                affective=affective,
                strengths="Helped a classmate",
                note="Private note about home",
                withdrawn_at=at + timedelta(hours=1) if withdrawn else None,
            )
        )

    def alert(
        self,
        student: Student,
        rule: str,
        opened: datetime,
        acknowledged: datetime | None = None,
        resolved: datetime | None = None,
        outcome: str | None = None,
    ) -> None:
        add_case(self.session, student, rule, opened, acknowledged, resolved, outcome)


def hand_computed_schools(session: Session) -> None:
    """Björkskolan: 6 students in the programme; Ekskolan: 5 and nothing logged; Lindskolan: 3."""
    make = Builder(session)
    # A study day on Monday 16 November: no school day.
    bjork = make.school("Umeå kommun", "T-UMEA", "Björkskolan", breaks=[date(2026, 11, 16)])
    s1, s2, s3, s4, s5 = (make.student(bjork, f"7A-0{n}") for n in range(1, 6))
    s6 = make.student(bjork, "7A-06", mentored=False)  # mentorship ended
    gone = make.student(bjork, "7A-07", active=False, mentored=False)  # taken off the programme

    # This period (from 24 October 12:00 UTC): 8 check-ins by 6 students.
    # Absent days 0 1 2 0 3 1 0 4: median 1.0. Engagement 4 4 3 3 5 4 2 4: median 4.0.
    make.check_in(s1, local(11, 2), absent=0, ratings=4)
    make.check_in(s1, local(11, 16), absent=1, ratings=4)
    make.check_in(s2, local(11, 3), absent=2, ratings=3)
    make.check_in(s2, local(11, 17), absent=0, ratings=3)
    make.check_in(s3, local(11, 4), absent=3, ratings=5)
    make.check_in(s4, local(11, 5), absent=1, ratings=(4, None, 4, 4))  # mean of the rated ones
    make.check_in(s5, local(11, 6), absent=0, ratings=2)
    make.check_in(s6, local(11, 9), absent=4, ratings=4)
    # Not counted: taken back by its author, and a student no longer in the programme.
    make.check_in(s1, local(11, 10), absent=9, ratings=1, withdrawn=True)
    make.check_in(gone, local(11, 5), absent=9, ratings=1)
    # The period before: 5 students; absent 2 3 4 1 5: median 3.0; engagement 3 3 3 2 4: median 3.0.
    make.check_in(s1, local(10, 1), absent=2, ratings=3)
    make.check_in(s2, local(10, 2), absent=3, ratings=3)
    make.check_in(s3, local(10, 5), absent=4, ratings=3)
    make.check_in(s4, local(10, 6), absent=1, ratings=2)
    make.check_in(s5, local(10, 7), absent=5, ratings=4)
    make.check_in(s6, local(9, 1), absent=7, ratings=1)  # before both periods

    # Alerts raised this period: 7 (by 6 students); one more was withdrawn with its check-in.
    make.alert(s1, "low_engagement", local(11, 2), local(11, 4), local(11, 5), "talked")  # Mon→Wed: 2
    make.alert(s2, "low_engagement", local(11, 2), local(11, 3), local(11, 5), "talked")  # Mon→Tue: 1
    make.alert(s3, "low_engagement", local(11, 6), local(11, 10), local(11, 12), "talked")  # Fri→Tue: 2
    make.alert(s4, "low_engagement", local(11, 9), local(11, 12), local(11, 13), "talked")  # Mon→Thu: 3, late
    make.alert(s5, "low_engagement", local(11, 10), local(11, 11), local(11, 13), "talked")  # Tue→Wed: 1
    # Thu→Tue over the study day: 2 school days (3 without the school's calendar).
    make.alert(s6, "absence_month", local(11, 12), local(11, 17), local(11, 18), "guardians")
    make.alert(s1, "absence_month", local(11, 12))  # still open
    make.alert(s2, "concern", local(11, 13), local(11, 13), local(11, 13, 15), WITHDRAWN)
    # Raised in the period before, resolved in this one: counts as resolved only.
    make.alert(s3, "concern", local(10, 10), local(10, 12), local(11, 3), "referral")
    make.alert(s4, "concern", local(10, 1), local(10, 2), local(10, 20), "eht_meeting")  # all before

    # Exactly 5 students, nothing logged: the school is shown, every figure from 0 students is not.
    ek = make.school("Umeå kommun", "T-UMEA", "Ekskolan")
    for n in range(1, 6):
        make.student(ek, f"8B-0{n}", mentored=None)

    # 3 students in the programme (2 more were taken off): name and "< 5" only.
    lind = make.school("Vännäs kommun", "T-VANNAS", "Lindskolan")
    small = [make.student(lind, f"9C-0{n}") for n in range(1, 4)]
    for n in (4, 5):
        make.student(lind, f"9C-0{n}", active=False, mentored=False)
    for n, student in enumerate(small):
        make.check_in(student, local(11, 2 + n), absent=n, ratings=3)
        make.check_in(student, local(10, 2 + n), absent=n, ratings=3)
        make.alert(student, "low_engagement", local(11, 2 + n), local(11, 3 + n), local(11, 5 + n), "talked")
    session.flush()


BJORKSKOLAN = SchoolFigures(
    organisation="Umeå kommun",
    school="Björkskolan",
    students=6,
    mentorships=5,
    check_ins_per_student_month=1.3,  # 8 check-ins / 6 students / one 30-day month
    alerts_raised=7,
    acknowledged_in_time=5,
    resolved={
        "talked": 5,
        "guardians": None,
        "eht_meeting": None,
        "referral": None,
        "not_relevant": None,
        "other": None,
    },
    absent_days=1.0,
    absent_days_before=3.0,
    attendance_trend=Direction.UP,
    engagement=4.0,
    engagement_before=3.0,
    engagement_trend=Direction.UP,
)
EKSKOLAN = SchoolFigures(
    organisation="Umeå kommun",
    school="Ekskolan",
    students=5,
    resolved=dict.fromkeys(OUTCOMES),
)
LINDSKOLAN = SchoolFigures(organisation="Vännäs kommun", school="Lindskolan")


def test_every_figure_of_each_school_is_the_hand_computed_one(db: Database) -> None:
    with db.transaction() as session:
        hand_computed_schools(session)
    with db.transaction() as session:
        figures = programme_figures(session, NOW)
    assert figures == [BJORKSKOLAN, EKSKOLAN, LINDSKOLAN]
    assert [f.suppressed for f in figures] == [False, False, True]


def test_a_longer_period_takes_in_more_and_compares_with_the_period_before_it(db: Database) -> None:
    with db.transaction() as session:
        hand_computed_schools(session)
    with db.transaction() as session:
        [bjork, *_] = programme_figures(session, NOW, days=60)
    # 60 days from 24 September: the 13 check-ins of both periods above, over two months.
    assert bjork.check_ins_per_student_month == round(13 / 6 / 2, 1)
    assert bjork.absent_days == 2.0  # 0 0 0 1 1 1 2 2 3 3 4 4 5
    assert (bjork.absent_days_before, bjork.attendance_trend) == (None, None)  # nobody before
    assert bjork.alerts_raised == 9  # the October ones too
    assert bjork.resolved["talked"] == 5


def lines(language: str, outcome_reply: Sequence[object]) -> list[str]:
    return [line for reply in outcome_reply for line in render_reply(language, reply)]  # type: ignore[arg-type]


def lead(session: Session, workspace: str, user: str) -> Person:
    organisation = session.query(Organisation).filter_by(workspace_id=workspace).one()
    person = Person(organisation_id=organisation.id, user_id=user, created_at=LONG_AGO)
    session.add(person)
    session.flush()
    return person


def test_the_programme_lead_reads_one_line_per_school_and_no_child(db: Database) -> None:
    with db.transaction() as session:
        hand_computed_schools(session)
        outcome = show_programme(session, lead(session, "T-UMEA", "lead"), NOW, leads=LEADS)
    header, bjork, ek, lind = lines("sv", outcome.reply)
    assert header.startswith("Programmets siffror per skola, de senaste 30 dagarna")
    assert bjork == (
        "Umeå kommun · Björkskolan: 6 elever, 5 med en aktiv mentor; 1,3 avstämningar per elev och "
        "månad; 7 larm, 5 kvitterade inom 2 skoldagar; avslutade: samtal med eleven (5), kontakt med "
        "vårdnadshavarna (< 5), EHT-möte (< 5), remiss (< 5), inte relevant (< 5), annat (< 5); "
        "frånvarodagar per avstämning "
        "(median) 1, före 3, uppåt; engagemang 1-5 (median) 4, före 3, uppåt"
    )
    assert ek.startswith("Umeå kommun · Ekskolan: 5 elever, < 5 med en aktiv mentor; < 5 avstämningar")
    assert lind == "Vännäs kommun · Lindskolan: < 5 elever"
    english = lines("en", outcome.reply)
    assert english[1].startswith(
        "Umeå kommun · Björkskolan: 6 students, 5 with an active mentor; 1.3 check-ins"
    )
    assert english[3] == "Vännäs kommun · Lindskolan: < 5 students"
    # No code, name, mentor or free text, on any platform: the same lines on Slack and Teams.
    slack = reply_blocks("sv", outcome.reply)
    teams = reply_activities("sv", outcome.reply)
    shown = " ".join([*lines("sv", outcome.reply), *english, str(slack.blocks), str(teams)])
    for secret in ("7A-0", "9C-0", "8B-0", "Name of", "mentor-", "Private note", "Helped a classmate"):
        assert secret not in shown
    assert "Björkskolan: 6 elever" in str(slack.blocks) and "Lindskolan: < 5 elever" in str(teams)


def test_a_lead_is_named_with_the_workspace_or_alone(db: Database) -> None:
    with db.transaction() as session:
        hand_computed_schools(session)
        for workspace, user in (("T-UMEA", "lead"), ("T-VANNAS", "programme-boss")):
            outcome = show_programme(session, lead(session, workspace, user), NOW, leads=LEADS)
            assert len(outcome.reply) == 4


@pytest.mark.parametrize(("workspace", "user"), [("T-UMEA", "mentor-Björkskolan"), ("T-VANNAS", "lead")])
def test_anyone_else_is_refused_even_a_coordinator_or_a_lead_of_another_workspace(
    db: Database, workspace: str, user: str
) -> None:
    with db.transaction() as session:
        hand_computed_schools(session)
        with pytest.raises(Refused) as refusal:
            show_programme(session, lead(session, workspace, user), NOW, leads=LEADS)
    assert lines("sv", [refusal.value.message]) == [
        "Bara programmets projektledare kan se programmets siffror."
    ]


def test_no_schools_yet(db: Database) -> None:
    with db.transaction() as session:
        organisation = Organisation(platform="teams", workspace_id="T-UMEA", created_at=LONG_AGO)
        session.add(organisation)
        session.flush()
        person = Person(organisation_id=organisation.id, user_id="lead", created_at=LONG_AGO)
        session.add(person)
        session.flush()
        outcome = show_programme(session, person, NOW, leads=LEADS)
    assert lines("en", outcome.reply) == ["No schools in the programme yet."]


def statements(db: Database) -> int:
    """How many SQL statements reading every school's figures takes."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.transaction() as session:
            programme_figures(session, NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_students(db: Database) -> None:
    with db.transaction() as session:
        hand_computed_schools(session)
    few = statements(db)
    with db.transaction() as session:
        make = Builder(session)
        for name in ("Granskolan", "Tallskolan"):
            school = make.school("Vindelns kommun", "T-VINDELN", name, breaks=[date(2026, 11, 2)])
            for n in range(30):
                student = make.student(school, f"{name[:3]}-{n:02}")
                make.check_in(student, local(11, 2 + n % 14), absent=n % 3, ratings=1 + n % 5)
                make.check_in(student, local(10, 2 + n % 14), absent=n % 4, ratings=1 + n % 4)
                make.alert(student, "low_engagement", local(11, 3), local(11, 4), local(11, 5), "other")
    assert statements(db) == few <= 6


# The property: whatever the data, no figure from fewer than 5 students is shown.


@dataclass(frozen=True)
class GivenCheckIn:
    hours_ago: int
    absent: int
    ratings: tuple[int | None, ...]
    withdrawn: bool


@dataclass(frozen=True)
class GivenAlert:
    hours_ago: int
    acknowledged_after: int | None
    resolved_after: int | None
    outcome: str


@dataclass(frozen=True)
class GivenStudent:
    active: bool
    mentored: bool | None
    check_ins: list[GivenCheckIn]
    alerts: list[GivenAlert]


PERIOD_HOURS = 30 * 24


def mostly(strategy: st.SearchStrategy[int], none_in: int = 4) -> st.SearchStrategy[int | None]:
    """A value, or None once in `none_in` draws. Weights are drawn as plain integers: Hypothesis may
    switch a branch of one_of or sampled_from off for a whole run, which would hide the cells of 5
    and more students that the property is about."""
    return st.tuples(st.integers(1, none_in), strategy).map(lambda t: None if t[0] == 1 else t[1])


def picked(*choices: T) -> st.SearchStrategy[T]:
    return st.integers(0, len(choices) - 1).map(lambda i: choices[i])


check_ins = st.builds(
    GivenCheckIn,
    # This period, the one before, or older (each as likely).
    hours_ago=st.tuples(st.integers(0, 2), st.integers(0, PERIOD_HOURS - 1)).map(
        lambda t: 1 + t[0] * PERIOD_HOURS + t[1]
    ),
    absent=st.integers(0, 5),
    ratings=st.tuples(*[mostly(st.integers(1, 5))] * 4),
    withdrawn=picked(False, False, False, True),
)
alerts = st.builds(
    GivenAlert,
    hours_ago=st.integers(1, PERIOD_HOURS + 10 * 24),
    # Mostly acknowledged, resolved and talked with, so that cells of 5 and more students come up too.
    acknowledged_after=mostly(st.integers(0, 5 * 24)),
    resolved_after=mostly(st.integers(0, 10 * 24)),
    outcome=picked(*["talked"] * 6, *OUTCOMES, WITHDRAWN, "something-old"),
)
students = st.builds(
    GivenStudent,
    active=picked(True, True, True, False),
    mentored=picked(True, True, False, None),
    check_ins=st.integers(0, 5).flatmap(lambda n: st.lists(check_ins, min_size=n, max_size=n)),
    alerts=st.integers(0, 3).flatmap(lambda n: st.lists(alerts, min_size=n, max_size=n)),
    # A student has at most one open case at a time.
).filter(lambda student: sum(stored_alert(a)[2] is None for a in student.alerts) <= 1)
# 0 to 9 students a school, as likely as each other: around 5 is where it matters.
schools = st.integers(0, 9).flatmap(lambda n: st.lists(students, min_size=n, max_size=n))
programmes = st.lists(schools, min_size=1, max_size=3)


def stored_alert(given: GivenAlert) -> tuple[datetime, datetime | None, datetime | None, str | None]:
    """Opened, acknowledged, resolved (nothing after now) and outcome, as the product stores them."""
    opened = NOW - timedelta(hours=given.hours_ago)
    acknowledged = None
    if given.acknowledged_after is not None and opened + timedelta(hours=given.acknowledged_after) < NOW:
        acknowledged = opened + timedelta(hours=given.acknowledged_after)
    resolved = None
    if given.resolved_after is not None and opened + timedelta(hours=given.resolved_after) < NOW:
        resolved = opened + timedelta(hours=given.resolved_after)
        acknowledged = acknowledged or resolved
    return opened, acknowledged, resolved, given.outcome if resolved else None


def students_behind(school: list[GivenStudent]) -> dict[str, int]:
    """For each figure, how many distinct students it is computed from: counted here, plainly."""
    start, before = NOW - timedelta(days=30), NOW - timedelta(days=60)
    calendar = SchoolCalendar()
    behind: dict[str, set[int]] = {}

    def add(cell: str, student: int) -> None:
        behind.setdefault(cell, set()).add(student)

    for n, student in enumerate(school):
        if student.active:
            add("students", n)
            if student.mentored:
                add("mentorships", n)
            for c in student.check_ins:
                at = NOW - timedelta(hours=c.hours_ago)
                if c.withdrawn or at < before:
                    continue
                period = "" if at >= start else "_before"
                add("absent_days" + period, n)
                if period == "":
                    add("check_ins_per_student_month", n)
                if any(r is not None for r in c.ratings):
                    add("engagement" + period, n)
        for a in student.alerts:
            opened, acknowledged, resolved, outcome = stored_alert(a)
            if outcome == WITHDRAWN:
                continue
            if opened >= start:
                add("alerts_raised", n)
                if acknowledged is not None and (
                    calendar.school_days_between(
                        opened.astimezone(STOCKHOLM).date(), acknowledged.astimezone(STOCKHOLM).date()
                    )
                    <= 2
                ):
                    add("acknowledged_in_time", n)
            if resolved is not None and resolved >= start:
                add("resolved_" + (outcome if outcome in OUTCOMES else "other"), n)
    counts = {cell: len(ids) for cell, ids in behind.items()}
    for trend, now_cell in (("attendance_trend", "absent_days"), ("engagement_trend", "engagement")):
        counts[trend] = min(counts.get(now_cell, 0), counts.get(now_cell + "_before", 0))
    return counts


def shown_cells(figures: SchoolFigures) -> dict[str, object]:
    cells: dict[str, object] = {
        name: getattr(figures, name)
        for name in (
            "students",
            "mentorships",
            "check_ins_per_student_month",
            "alerts_raised",
            "acknowledged_in_time",
            "absent_days",
            "absent_days_before",
            "attendance_trend",
            "engagement",
            "engagement_before",
            "engagement_trend",
        )
    }
    cells.update({f"resolved_{outcome}": count for outcome, count in figures.resolved.items()})
    return cells


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(programme=programmes)
def test_no_figure_is_ever_shown_from_fewer_than_5_students(
    db: Database, programme: list[list[GivenStudent]]
) -> None:
    with db.transaction() as session:
        make = Builder(session)
        for s, school_students in enumerate(programme):
            school = make.school(f"Kommun {s}", f"T-{s}", f"Skola {s}")
            for n, given_student in enumerate(school_students):
                student = make.student(school, f"{s}-{n}", given_student.active, given_student.mentored)
                for c in given_student.check_ins:
                    at = NOW - timedelta(hours=c.hours_ago)
                    make.check_in(student, at, c.absent, c.ratings, c.withdrawn)
                for rule, a in enumerate(given_student.alerts):
                    make.alert(student, f"rule{rule}", *stored_alert(a))
        session.flush()
        figures = programme_figures(session, NOW)
        session.rollback()  # each example starts from an empty database
    assert [f.school for f in figures] == [f"Skola {s}" for s in range(len(programme))]
    for school_students, school in zip(programme, figures, strict=True):
        cells = shown_cells(school)
        if school.suppressed:
            # Fewer than 5 students in the programme: the name only.
            assert all(value is None for value in cells.values()) and school.resolved == {}
            assert sum(s.active for s in school_students) < MIN_STUDENTS
            continue
        behind = students_behind(school_students)
        for cell, value in cells.items():
            # Shown exactly when 5 or more students are behind it: never fewer, and not withheld needlessly.
            assert (value is not None) == (behind.get(cell, 0) >= MIN_STUDENTS), (cell, value, behind)


# The command line: `mentorbot programme report`.


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An embedded SQLite database in a temporary data directory, holding the hand-computed schools."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MENTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0  # also sets the note keys of that data directory
    db = Database(f"sqlite:///{tmp_path / 'data' / 'mentorbot.sqlite3'}")
    with db.transaction() as session:
        hand_computed_schools(session)
    db.dispose()
    # The command reads the wall clock: let it read NOW.
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_report_is_an_aligned_table_with_a_header_row(
    cli_database: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    capsys.readouterr()
    assert main(["programme", "report"]) == 0
    intro, blank, header, bjork, ek, lind = capsys.readouterr().out.splitlines()
    assert intro.startswith("Programme figures, the 30 days to 2026-11-23 12:00 UTC")
    assert blank == ""
    assert header.split()[:6] == [
        "organisation",
        "school",
        "students",
        "mentorships",
        "check-ins/student/month",
        "alerts",
    ]
    assert bjork.split() == [
        "Umeå", "kommun", "Björkskolan", "6", "5", "1.3", "7", "5", "5",
        "<", "5", "<", "5", "<", "5", "<", "5", "<", "5",
        "1.0", "3.0", "improving", "4.0", "3.0", "improving",
    ]  # fmt: skip
    assert ek.split()[:5] == ["Umeå", "kommun", "Ekskolan", "5", "<"]
    assert lind.split()[:4] == ["Vännäs", "kommun", "Lindskolan", "<"]
    assert set(lind.split()[3:]) == {"<", "5"}
    # Aligned: every figure column ends where its heading ends.
    assert len({len(line) for line in (header, bjork)}) == 1
    assert bjork.index("Björkskolan") == header.index("school") == lind.index("Lindskolan")


def test_the_report_as_csv_one_row_per_school(cli_database: None, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    capsys.readouterr()
    assert main(["programme", "report", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["organisation"], r["school"]) for r in rows] == [
        ("Umeå kommun", "Björkskolan"),
        ("Umeå kommun", "Ekskolan"),
        ("Vännäs kommun", "Lindskolan"),
    ]
    bjork, ek, lind = rows
    assert bjork == {
        "organisation": "Umeå kommun",
        "school": "Björkskolan",
        "students": "6",
        "active_mentorships": "5",
        "check_ins_per_student_month": "1.3",
        "alerts_raised": "7",
        "acknowledged_within_2_school_days": "5",
        "resolved_talked": "5",
        "resolved_guardians": "<5",
        "resolved_eht_meeting": "<5",
        "resolved_referral": "<5",
        "resolved_not_relevant": "<5",
        "resolved_other": "<5",
        "absent_days_median": "1.0",
        "absent_days_median_before": "3.0",
        "attendance_trend": "up",
        "engagement_median": "4.0",
        "engagement_median_before": "3.0",
        "engagement_trend": "up",
    }
    assert ek["students"] == "5" and ek["active_mentorships"] == "<5"
    assert {value for key, value in lind.items() if key not in ("organisation", "school")} == {"<5"}


def test_the_report_takes_a_longer_period(cli_database: None, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    capsys.readouterr()
    assert main(["programme", "report", "--days", "60", "--format", "csv"]) == 0
    bjork = next(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (bjork["alerts_raised"], bjork["absent_days_median"]) == ("9", "2.0")
    with pytest.raises(SystemExit):
        main(["programme", "report", "--days", "0"])


def test_the_programme_command_answers_its_leads_and_is_in_their_help_only(db: Database) -> None:
    bot = Driver(db, programme_leads=frozenset({"region:lena"}))
    for n in range(6):
        bot.say("admin", f"student add 7B-{n:02}")
    # Lena leads the programme from the region's own workspace, where she has no school role.
    figures = bot.say("lena", "programme", workspace="region")
    assert not figures.outcome.refused
    assert "6 students" in figures.text and "7B-0" not in figures.text
    assert "Figures per school across the programme" in bot.say("lena", "help", workspace="region").text
    refused = bot.say("admin", "programme")
    assert refused.outcome.refused and "project leads" in refused.text
    assert "Figures per school across the programme" not in bot.say("admin", "help").text
