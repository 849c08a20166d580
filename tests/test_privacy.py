"""What a data protection officer checks: no note or identity number in clear text at rest."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import select, text

from models import CheckIn
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


def used_database(tmp_path: Path) -> Path:
    script = "\n".join(
        ["student add 7B-03 Kim", "assign 7B-03 @anna", ":as anna", "checkin 7B-03", *CHECK_IN, ":as admin"]
    )
    result = run(script + "\n", tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin")
    assert "7B-03" in result.stdout and "Traceback" not in result.stderr
    return tmp_path / "data" / "mentorbot.sqlite3"


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
    assert all(value.startswith("enc:v1:") and "Oro" not in value for value in stored)


def test_key_rotation_keeps_notes_readable(tmp_path: Path) -> None:
    database = used_database(tmp_path)
    old_key = (tmp_path / "data" / "secret.key").read_text()
    with sqlite3.connect(database) as connection:
        before = connection.execute("SELECT note FROM check_in").fetchone()[0]
    result = run("", tmp_path, "keys", "rotate")
    assert result.returncode == 0 and "re-encrypted 1 check-in(s)" in result.stdout
    assert (tmp_path / "data" / "secret.key").read_text() != old_key
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT note FROM check_in").fetchone()[0] != before
    # The note is still there for its readers, decrypted with the new key.
    reader = subprocess.run(
        [
            str(Path(MENTORBOT).with_name("python")),
            "-c",
            "from sqlalchemy import select\n"
            "from bot.config import Settings\n"
            "from bot.runtime import open_database\n"
            "from models import CheckIn\n"
            "with open_database(Settings()).transaction() as session:\n"
            "    print(session.scalars(select(CheckIn.note)).one())\n",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert reader.stdout.strip() == "Pappa sjuk [personnummer borttaget]", reader.stderr


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
