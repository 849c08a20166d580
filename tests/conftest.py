"""Shared fixtures: database tests run on real SQLite and, with TEST_DATABASE_URL, real PostgreSQL.

With MENTORBOT_TEST_DATE (an ISO date or time, UTC) the whole run lives on that date: the wall
clock of this process starts there and ticks on. `make test` runs the suite at today's date and
again years away, so a test that only passes on some dates cannot land.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from models import Base, crypto, migrate
from models.db import Database, normalise_database_url
from schedules.clock import Clock, ClockSettings
from tests.clock_support import RecordingNotifier
from tests.driver import Driver

# One schema per test process, so parallel checkouts can share one PostgreSQL server.
PG_SCHEMA = f"mentorbot_test_{os.getpid()}"


def pytest_configure(config: pytest.Config) -> None:
    when = os.environ.get("MENTORBOT_TEST_DATE")
    # A process started by the suite (an xdist worker too) already travels: tests/timetravel.
    if when and "TIME_TRAVEL_OFFSET_SECONDS" not in os.environ:
        moment = datetime.fromisoformat(when)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        # Processes the tests start (the CLI, `serve`) live on the same date: tests/timetravel.
        os.environ["TIME_TRAVEL_OFFSET_SECONDS"] = str((moment - datetime.now(UTC)).total_seconds())
        travel = str(Path(__file__).with_name("timetravel"))
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [travel, os.environ.get("PYTHONPATH")]))
        time_machine.travel(moment, tick=True).start()


def pytest_report_header(config: pytest.Config) -> str:
    return f"mentorbot: the wall clock reads {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.exit("CI must test PostgreSQL too: set TEST_DATABASE_URL", returncode=3)
        return None
    url = normalise_database_url(url)
    separator = "&" if "?" in url else "?"
    # A schema of our own keeps the tests away from whatever else lives in that database.
    return f"{url}{separator}options=-csearch_path%3D{PG_SCHEMA}"


@pytest.fixture(scope="session", autouse=True)
def note_keys() -> None:
    crypto.use_keys([crypto.new_key()])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.engine)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    url = _postgres_url()
    if url is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    admin = Database(url.split("?")[0])
    try:
        with admin.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    except OperationalError as exc:
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc.orig}", returncode=3)
    finally:
        admin.dispose()
    db = Database(url)
    migrate.upgrade(db.engine)
    yield db
    db.dispose()
    admin = Database(url.split("?")[0])
    with admin.engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
    admin.dispose()


def _truncate_all(db: Database) -> None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "mentorbot.sqlite3"
        shutil.copy(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("postgres_database")
        _truncate_all(database)
        yield database


@pytest.fixture
def bot(db: Database) -> Driver:
    """Drive the handlers as people would, in English, with `admin` as configured coordinator."""
    return Driver(db)


@pytest.fixture
def notifier() -> RecordingNotifier:
    """What the clock sent, per recipient (tests/clock_support.py)."""
    return RecordingNotifier()


@pytest.fixture
def clock(db: Database, notifier: RecordingNotifier) -> Clock:
    """The clock as the tests tick it: one worker, a reminder after 24 school hours."""
    return Clock(db, notifier, ClockSettings(reminder_after_school_hours=24), worker="test")
