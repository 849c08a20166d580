"""What an operator finds on disk and in the process log: the embedded database and its directory
are private to the service's user, MENTORBOT_LOG_LEVEL is a validated setting, and even at DEBUG
no library prints what passes through it (a student export, a message to a mentor).
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.logs import FLOORS, configure_logging
from models.db import Database
from tests.fake_slack import start_fake_slack
from tests.slack.conftest import SlackSim, serve, slack_settings
from tests.test_console import run

SECRET = "Hemlig Hemligsson"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_embedded_database_and_its_directory_are_private(tmp_path: Path) -> None:
    result = run("student add 7B-03\n", tmp_path, "console", "--as", "admin", MENTORBOT_COORDINATORS="admin")
    assert result.returncode == 0, result.stderr
    data = tmp_path / "data"
    assert mode(data) == 0o700
    assert mode(data / "mentorbot.sqlite3") == 0o600
    # The key file too, and SQLite's -wal and -shm files while they are there.
    assert all(mode(path) == 0o600 for path in data.iterdir()), {p.name: oct(mode(p)) for p in data.iterdir()}


def test_an_existing_open_data_directory_is_made_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert run("", tmp_path, "db", "upgrade").returncode == 0
    data.chmod(0o755)
    (data / "mentorbot.sqlite3").chmod(0o644)
    assert run("", tmp_path, "db", "upgrade").returncode == 0
    assert (mode(data), mode(data / "mentorbot.sqlite3")) == (0o700, 0o600)


@pytest.mark.parametrize(
    ("value", "level"), [("debug", "DEBUG"), (" Warning ", "WARNING"), ("ERROR", "ERROR")]
)
def test_the_log_level_is_a_setting(monkeypatch: pytest.MonkeyPatch, value: str, level: str) -> None:
    monkeypatch.setenv("MENTORBOT_LOG_LEVEL", value)
    assert load_settings().log_level == level
    assert Settings(_env_file=None).log_level == level


def test_a_wrong_log_level_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = run("", tmp_path, "console", "--as", "admin", MENTORBOT_LOG_LEVEL="chatty")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "MENTORBOT_LOG_LEVEL" in line


def test_a_wrong_log_level_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_LOG_LEVEL", "TRACE")
    with pytest.raises(ConfigError, match="MENTORBOT_LOG_LEVEL"):
        load_settings()


@pytest.fixture
def restored_logging() -> Iterator[None]:
    names = ["", *FLOORS]
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_at_debug_no_library_prints_what_is_sent(
    db: Database, caplog: pytest.LogCaptureFixture, restored_logging: None
) -> None:
    fake, server = start_fake_slack()
    settings = slack_settings(fake, MENTORBOT_LOG_LEVEL="debug")
    configure_logging(settings.log_level)
    caplog.set_level(logging.DEBUG)
    try:
        for base_url in serve(settings, db):
            slack = SlackSim(base_url, fake, db)
            assert "registered" in slack.reply_to(slack.command("UADMIN", f'student add 7B-03 "{SECRET}"'))
            assert "mentored by" in slack.reply_to(slack.command("UADMIN", "assign 7B-03 <@UANNA|anna>"))
            assert SECRET in slack.reply_to(slack.command("UADMIN", "student export 7B-03"))
            fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "UANNA")
            slack.http.close()
    finally:
        server.shutdown()
        server.server_close()
    assert logging.getLogger("mentorbot").isEnabledFor(logging.DEBUG)
    assert SECRET not in caplog.text and "mentor of 7B-03" not in caplog.text, caplog.text[-3000:]
