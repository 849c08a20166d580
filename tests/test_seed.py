"""`mentorbot seed`: realistic generated data, fast, in a namespace of its own on every run."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from handlers.actors import Caller, SchoolDefaults
from handlers.dispatch import Core
from models import CheckIn, Member, Mentorship, Organisation, Prompt, School, Student
from models.db import Database
from models.seed import SeedRefused, SeedSize, mark_due, seed

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_seed_makes_a_realistic_term_and_a_new_namespace_each_run(db: Database) -> None:
    out = io.StringIO()
    first = seed(db, SeedSize(students=45, check_ins_per_student=3, now=NOW), progress_out=out)
    assert (first.schools, first.students, first.mentorships, first.check_ins) == (2, 45, 45, 135)
    assert "100.0%" in out.getvalue()
    second = seed(db, SeedSize(students=10, check_ins_per_student=1, now=NOW), progress_out=None)
    assert (first.namespace, second.namespace) == ("seed-1", "seed-2")
    assert count(db, Student) == 55 and count(db, CheckIn) == 145 and count(db, Prompt) == 145
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
