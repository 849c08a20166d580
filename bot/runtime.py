"""Start-up wiring shared by every process: settings to database and school defaults."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.notify import PlatformNotifier, TextNotifier
from handlers.actors import SchoolDefaults
from handlers.delivery import Notifier
from models import crypto, migrate
from models.db import Database
from schedules.clock import ClockSettings

log = logging.getLogger("mentorbot")


class StartupError(Exception):
    """Start-up cannot go on; the message is one line for the operator."""


def school_defaults(settings: Settings) -> SchoolDefaults:
    return SchoolDefaults(
        timezone=settings.timezone, language=settings.language, coordinators=settings.coordinators
    )


def clock_settings(settings: Settings) -> ClockSettings:
    return ClockSettings(
        tick_seconds=settings.tick_seconds,
        reminder_after_school_hours=settings.reminder_after_hours,
        digest_rule=settings.digest_rule,
        timezone=settings.timezone,
    )


def build_notifier(settings: Settings, db: Database, out: TextIO) -> PlatformNotifier:
    """One notifier per platform the installation speaks; console schools print to `out`."""
    notifiers: dict[str, Notifier] = {"console": TextNotifier(out)}
    if settings.slack_configured:
        from bot.slack.notifier import slack_notifier

        notifiers["slack"] = slack_notifier(settings, db)
    if settings.teams_enabled:
        import httpx

        from bot.teams.connector import build_connector
        from bot.teams.notifier import TeamsNotifier

        notifiers["teams"] = TeamsNotifier(db, build_connector(settings, httpx.Client()))
    return PlatformNotifier(notifiers)


def key_file(settings: Settings) -> Path:
    return settings.data_dir / "secret.key"


def note_keys(settings: Settings) -> list[str]:
    """The keys that protect notes: from MENTORBOT_SECRET_KEY, or the embedded key file."""
    if settings.secret_key:
        return list(settings.secret_key)
    if not settings.is_embedded:
        raise StartupError(
            "MENTORBOT_SECRET_KEY must be set with a server database (make a key with `mentorbot keys new`)"
        )
    path = key_file(settings)
    if not path.exists():
        private_data_dir(settings)
        path.write_text(crypto.new_key() + "\n")
        path.chmod(0o600)
        log.warning("generated a new key for notes in %s: back it up, notes cannot be read without it", path)
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def private_data_dir(settings: Settings) -> None:
    """The data directory (database, key file) is the operator's alone: 0700, tightened if it was not."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)


def private_sqlite_file(url: str) -> None:
    """The embedded database file is created 0600 (SQLite would use the umask, usually 0644) and
    kept so; SQLite gives its -wal and -shm files the database file's mode."""
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    try:
        os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError:
        return  # no such directory, say: connecting reports it in one line
    for path in (name, f"{name}-wal", f"{name}-shm"):
        if os.path.exists(path):
            os.chmod(path, 0o600)


def open_database(settings: Settings, upgrade: bool | None = None) -> Database:
    """Connect; the embedded SQLite database is created and upgraded on start, servers use `db upgrade`."""
    if settings.is_embedded:
        private_data_dir(settings)
        private_sqlite_file(settings.sqlalchemy_url)
    try:
        crypto.use_keys(note_keys(settings))
    except ValueError:
        raise StartupError(f"the key file {key_file(settings)} does not hold valid keys") from None
    db = Database(settings.sqlalchemy_url)
    try:
        if upgrade if upgrade is not None else settings.is_embedded:
            migrate.upgrade(db.engine)
        elif not migrate.is_up_to_date(db.engine):
            raise StartupError("the database schema is not up to date: run `mentorbot db upgrade` first")
    except OperationalError as exc:
        db.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StartupError(
            f"cannot reach the database ({db.engine.url.render_as_string()}): {reason}"
        ) from None
    return db


@contextmanager
def database(settings: Settings, upgrade: bool | None = None) -> Iterator[Database]:
    """`open_database` for the length of a command, closed however it ends."""
    db = open_database(settings, upgrade)
    try:
        yield db
    finally:
        db.dispose()
