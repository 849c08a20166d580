"""What a data protection officer checks: no note or identity number in clear text at rest."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.config import Settings
from bot.runtime import open_database
from models import CheckIn, crypto
from models.db import Database
from tests.driver import Driver
from tests.test_console import MENTORBOT, run

CHECK_IN = [
    "yes",  # met
    "2",  # full days absent
    "1",  # of them unexcused
    "0",  # single lessons
    "yes",  # guardians told today
    "1",  # late arrivals
    "3",
    "3",
    "3",
    "3",
    "Spelade fotboll",
    "yes",
    "home",
    "Pappa sjuk 900101-0017",
    "",
]


def used_database(tmp_path: Path, **env: str) -> Path:
    script = "\n".join(
        [
            "student add 7B-03 Kim",
            "role add @anna mentor",
            "assign 7B-03 @anna",
            ":as anna",
            "checkin 7B-03",
            *CHECK_IN,
            ":as admin",
        ]
    )
    result = run(script + "\n", tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin", **env)
    assert "7B-03" in result.stdout and "Traceback" not in result.stderr
    return tmp_path / "data" / "mentorbot.sqlite3"


def stored_notes(tmp_path: Path) -> list[str]:
    """The notes as a process started now in `tmp_path` reads them (with the key file as it is now)."""
    reader = subprocess.run(
        [
            str(Path(MENTORBOT).with_name("python")),
            "-c",
            "from sqlalchemy import select\n"
            "from bot.config import Settings\n"
            "from bot.runtime import open_database\n"
            "from models import CheckIn\n"
            "with open_database(Settings()).transaction() as session:\n"
            "    print('\\n'.join(session.scalars(select(CheckIn.note).order_by(CheckIn.id))))\n",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert reader.returncode == 0, reader.stderr
    return reader.stdout.splitlines()


def dump(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return "\n".join(connection.iterdump())


def test_a_dump_of_a_used_database_shows_no_note_and_no_identity_number(tmp_path: Path) -> None:
    database = used_database(tmp_path)
    everything = dump(database)
    assert 'INSERT INTO "check_in"' in everything
    for secret in ("Pappa sjuk", "fotboll", "900101-0017", "9001010017"):
        assert secret not in everything
    assert (tmp_path / "data" / "secret.key").stat().st_mode & 0o777 == 0o600


def test_the_mentor_still_reads_what_was_written(bot: Driver, db: Database) -> None:
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    bot.check_in("anna", "7B-03", strengths="Hjälpte en klasskamrat", note="Oro för hemmet")
    with db.transaction() as session:
        check_in = session.scalars(select(CheckIn)).one()
        assert (check_in.strengths, check_in.note) == ("Hjälpte en klasskamrat", "Oro för hemmet")
        stored = session.execute(text("SELECT note, strengths FROM check_in")).one()
    # Whole phrases (spaces and å, ä, ö never occur in a token): a short word may turn up by chance.
    assert all(value.startswith("enc:v1:") for value in stored)
    assert not any(plain in value for value in stored for plain in ("Oro för hemmet", "Hjälpte en"))


def test_key_rotation_keeps_notes_readable(tmp_path: Path) -> None:
    database = used_database(tmp_path)
    old_key = (tmp_path / "data" / "secret.key").read_text()
    with sqlite3.connect(database) as connection:
        before = connection.execute("SELECT note FROM check_in").fetchone()[0]
    result = run("", tmp_path, "keys", "rotate")
    assert result.returncode == 0 and "re-encrypted 1 check-in(s) and plan(s)" in result.stdout
    assert (tmp_path / "data" / "secret.key").read_text() != old_key
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT note FROM check_in").fetchone()[0] != before
    # The note is still there for its readers, decrypted with the new key.
    assert stored_notes(tmp_path) == ["Pappa sjuk [personnummer borttaget]"]


@pytest.fixture
def without_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No MENTORBOT_ or DATABASE_URL variable of the machine running the tests; the test keys after."""
    for name in os.environ:
        if name.startswith(("MENTORBOT_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    yield
    crypto.use_keys([crypto.new_key()])


def test_a_running_process_follows_a_key_rotation(tmp_path: Path, without_settings: None) -> None:
    # A process started as `mentorbot serve` is, with the embedded key file.
    db = open_database(Settings(_env_file=None, MENTORBOT_DATA_DIR=str(tmp_path / "data")))
    try:
        running = Driver(db)
        running.say("admin", "student add 7B-03")
        running.say("admin", "assign 7B-03 @anna")
        running.check_in("anna", "7B-03", note="Före bytet")
        rotated = run("", tmp_path, "keys", "rotate")
        assert rotated.returncode == 0, rotated.stderr
        assert "re-encrypted 1 check-in(s) and plan(s)" in rotated.stdout
        # No restart: the next check-in is saved and the history read.
        saved = running.check_in("anna", "7B-03", note="Efter bytet")
        assert "saved" in saved.text and not saved.outcome.refused
        history = running.say("anna", "history 7B-03")
        assert not history.outcome.refused
        assert history.text.count("behaviour 4 · school work 4 · meaning 3 · belonging 4") == 2
    finally:
        db.dispose()
    # Both notes open with the new key alone: the second was written with it.
    assert stored_notes(tmp_path) == ["Före bytet", "Efter bytet"]


def test_a_wrong_key_file_stops_start_up_with_one_line(tmp_path: Path) -> None:
    used_database(tmp_path)
    (tmp_path / "data" / "secret.key").write_text(crypto.new_key() + "\n")
    result = run("", tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "secret.key does not open the notes stored in this database" in line


def test_a_wrong_secret_key_stops_start_up_with_one_line(tmp_path: Path) -> None:
    first, other = crypto.new_key(), crypto.new_key()
    server = {"DATABASE_URL": f"sqlite:///{tmp_path / 'server.sqlite3'}"}
    assert run("", tmp_path, "db", "upgrade", MENTORBOT_SECRET_KEY=first, **server).returncode == 0
    used_database(tmp_path, MENTORBOT_SECRET_KEY=first, **server)
    for command in (["console", "--as", "admin"], ["dispatch"], ["keys", "rotate"]):
        result = run(
            "", tmp_path, *command, MENTORBOT_SECRET_KEY=other, MENTORBOT_COORDINATORS="admin", **server
        )
        assert result.returncode == 1, command
        [line] = result.stderr.strip().splitlines()
        assert "MENTORBOT_SECRET_KEY does not open the notes stored in this database" in line
    # The new key first and the old one after: starts, and `keys rotate` moves every note to the new key.
    both = f"{other},{first}"
    assert run("", tmp_path, "keys", "rotate", MENTORBOT_SECRET_KEY=both, **server).returncode == 0
    assert run("mentees\n", tmp_path, "console", MENTORBOT_SECRET_KEY=other, **server).returncode == 0


def test_keys_new_prints_a_usable_key(tmp_path: Path) -> None:
    result = run("", tmp_path, "keys", "new")
    key = result.stdout.strip()
    assert result.returncode == 0 and len(key) == 44
    assert (
        run(
            "", tmp_path, "db", "upgrade", DATABASE_URL=f"sqlite:///{tmp_path}/x.db", MENTORBOT_SECRET_KEY=key
        ).returncode
        == 0
    )
