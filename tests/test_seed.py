"""`mentorbot seed`: realistic generated data, fast, in a namespace of its own on every run."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot.render_text import render_notification, render_reply
from handlers.actors import Caller, SchoolDefaults
from handlers.dispatch import Core
from models import (
    AlertCase,
    AlertStatus,
    CheckIn,
    Member,
    Mentorship,
    Organisation,
    Prompt,
    PromptStatus,
    School,
    Student,
)
from models.db import Database
from models.rules import RULES_BY_ID
from models.seed import SeedRefused, SeedSize, mark_due, seed
from schedules.digests import build_digest
from tests.driver import Driver

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_seed_makes_a_realistic_term_and_a_new_namespace_each_run(db: Database) -> None:
    out = io.StringIO()
    first = seed(db, SeedSize(students=45, check_ins_per_student=3, now=NOW), progress_out=out)
    assert (first.schools, first.students, first.mentorships) == (2, 45, 45)
    # About a check-in a school week (cadences differ), and a prompt for each occurrence.
    assert 45 * 2 <= first.check_ins <= 45 * 6 and first.prompts >= first.check_ins - 45
    assert "100.0%" in out.getvalue()
    second = seed(db, SeedSize(students=10, check_ins_per_student=1, now=NOW), progress_out=None)
    assert (first.namespace, second.namespace) == ("seed-1", "seed-2")
    assert count(db, Student) == 55
    assert count(db, CheckIn) == first.check_ins + second.check_ins
    assert count(db, Prompt) == first.prompts + second.prompts
    with db.transaction() as session:
        grades = set(session.scalars(select(Student.grade)))
        assert grades <= {5, 6, 7, 8, 9}
        assert (
            session.scalar(select(func.count()).select_from(School).where(School.eht_channel.is_(None))) == 0
        )
        # Every mentorship falls due after the term, at a school-day time, with the mentor of its school.
        dues = session.scalars(select(Mentorship.next_due_at)).all()
        assert all(due is not None and due > NOW for due in dues)
        assert session.scalar(select(func.count()).select_from(Member).where(Member.is_mentor)) > 0
        # Free text went through the encryption like any check-in: it reads back as plain text.
        strengths = [s for s in session.scalars(select(CheckIn.strengths)) if s]
        assert strengths and all(not s.startswith("enc:") for s in strengths)
    # Ids keep coming from the database's own sequence after the explicit ids of the seed.
    with db.transaction() as session:
        school = School(
            organisation=Organisation(platform="console", workspace_id="after-seed", created_at=NOW),
            platform="console",
            workspace_id="after-seed",
            thresholds={},
            created_at=NOW,
        )
        session.add(school)
        session.flush()
        assert school.id == 4
    assert mark_due(db, NOW, limit=7) == 7


def test_seeded_data_works_in_the_console_school_once(db: Database) -> None:
    seed(db, SeedSize(students=8, check_ins_per_student=2, now=NOW), None, ("console", "local"))
    defaults = SchoolDefaults("Europe/Stockholm", "en", frozenset())
    outcome = Core(db, defaults).command(Caller("console", "local", "coordinator"), "students")
    assert not outcome.refused
    with pytest.raises(SeedRefused):
        seed(db, SeedSize(students=8, now=NOW), None, ("console", "local"))


def test_seed_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MENTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["seed", "--students", "12", "--check-ins-per-student", "2"]) == 0
    assert "seeded 1 school(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["seed", "--students", "0"])


def console_school(db: Database) -> tuple[Core, Driver]:
    seed(db, SeedSize(students=120, schools=1, now=NOW), None, ("console", "local"))
    return Core(db, SchoolDefaults("Europe/Stockholm", "en", frozenset())), Driver(db)


def as_text(core: Core, user: str, command: str) -> list[str]:
    outcome = core.command(Caller("console", "local", user), command)
    return [line for reply in outcome.reply for line in render_reply("en", reply)]


def test_the_demo_school_has_cases_in_every_state_for_the_eht(db: Database) -> None:
    core, _driver = console_school(db)
    with db.transaction() as session:
        cases = session.scalars(select(AlertCase).options(selectinload(AlertCase.alerts))).all()
        statuses = Counter(case.status for case in cases)
        assert set(statuses) == set(AlertStatus)
        resolved = [c for c in cases if c.status is AlertStatus.RESOLVED]
        assert all(c.outcome and c.owner_id and c.resolved_at for c in resolved)
        assert any(c.follow_up_on for c in resolved)
        # At most one open case per student, holding the rules' own crossings, evidence in numbers.
        open_cases = [c.student_id for c in cases if c.status is not AlertStatus.RESOLVED]
        assert len(open_cases) == len(set(open_cases))
        assert all(c.alerts for c in cases)
        alerts = [a for c in cases for a in c.alerts]
        assert all(a.rule in RULES_BY_ID and "trend" in a.evidence for a in alerts)
        assert any(a.cleared_at for a in alerts) and len(alerts) > len(cases)
        assert {c.risk for c in cases} >= {"watch", "at_risk"}
        school = session.scalars(select(School)).one()
        assert (school.name, school.eht_channel) == ("Björkskolan", "eht")
    listing = as_text(core, "eht", "alerts")
    assert listing[0] == "Open cases:"
    assert {"open", "acknowledged", "owned"} <= {word for line in listing for word in line.split()}
    # The EHT acts on one: the channel is named once, with one '#'.
    case_id = next(line for line in listing if " open " in line).split()[0].lstrip("#")
    outcome = core.command(Caller("console", "local", "eht"), f"alert own {case_id}")
    [notice] = [render_notification("en", n) for n in outcome.notifications]
    assert notice.startswith("[→ #eht] ") and "##" not in notice


def test_every_figure_of_a_digest_over_the_seeded_term_adds_up(db: Database) -> None:
    console_school(db)
    with db.transaction() as session:
        school = session.scalars(select(School)).one()
        for weeks_back in range(1, 10):
            end = datetime(2026, 11, 20, 13, tzinfo=UTC) - timedelta(weeks=weeks_back - 1)
            digest = build_digest(session, school, end - timedelta(weeks=1), end)
            not_answered = sum(row.overdue for row in digest.overdue)
            assert digest.prompts_due == digest.prompts_answered + not_answered > 0
            assert digest.prompts_answered < digest.prompts_due  # a real term: some are missed
            assert digest.check_ins >= digest.prompts_answered  # each answer is a logged check-in
        # Every answered prompt was answered by a check-in of that mentorship at that moment.
        answers = session.execute(
            select(Prompt.mentorship_id, Prompt.answered_at).where(Prompt.status == PromptStatus.ANSWERED)
        ).all()
        check_ins = set(session.execute(select(CheckIn.mentorship_id, CheckIn.recorded_at)).all())
        assert answers and set(answers) <= check_ins


def test_the_backtest_names_the_seeded_school_as_people_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MENTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["seed", "--console", "--students", "30", "--check-ins-per-student", "6"]) == 0
    capsys.readouterr()
    assert main(["rules", "backtest"]) == 0
    [heading] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("School ")]
    assert heading.startswith("School Björkskolan: ")
