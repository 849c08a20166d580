"""Start-up wiring shared by every process: settings to database and school defaults."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
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
from models.checkin import free_text_readable
from models.db import Database
from schedules.clock import Clock, ClockSettings

log = logging.getLogger("mentorbot")


class StartupError(Exception):
    """Start-up cannot go on; the message is one line for the operator."""


def school_defaults(settings: Settings) -> SchoolDefaults:
    return SchoolDefaults(
        timezone=settings.timezone,
        language=settings.language,
        coordinators=settings.coordinators,
        admins=settings.admins,
        programme_leads=settings.programme_leads,
    )


def clock_settings(settings: Settings) -> ClockSettings:
    return ClockSettings(
        tick_seconds=settings.tick_seconds,
        reminder_after_school_hours=settings.reminder_after_hours,
        digest_rule=settings.digest_rule,
        timezone=settings.timezone,
    )


def build_clock(settings: Settings, db: Database, notifier: Notifier) -> Clock:
    """The clock as the product runs it: configured, and reading schools' attendance sources at night."""
    from bot.ss12000.sync import nightly_sync

    return Clock(db, notifier, clock_settings(settings), attendance_sync=nightly_sync)


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


class KeyFile:
    """The embedded key file, read again whenever it has changed (`mentorbot keys rotate`
    replaces it), so a running process follows a rotation without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int, int] | None = None
        self._keys: list[str] = []

    def __call__(self) -> list[str]:
        status = self.path.stat()
        seen = (status.st_ino, status.st_mtime_ns, status.st_size)
        if seen != self._seen:
            self._keys = [line.strip() for line in self.path.read_text().splitlines() if line.strip()]
            self._seen = seen
        return self._keys

    def write(self, keys: Sequence[str]) -> None:
        """Replace the file in one step (mode 0600): a process reading it sees the old or the new keys."""
        fresh = self.path.with_name(self.path.name + ".new")
        descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write("\n".join(keys) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(fresh, self.path)


def note_keys(settings: Settings) -> Callable[[], Sequence[str]]:
    """Where the keys that protect notes come from: MENTORBOT_SECRET_KEY, or the embedded key file."""
    if settings.secret_key:
        return lambda: settings.secret_key
    if not settings.is_embedded:
        raise StartupError(
            "MENTORBOT_SECRET_KEY must be set with a server database (make a key with `mentorbot keys new`)"
        )
    keys = KeyFile(key_file(settings))
    if not keys.path.exists():
        private_data_dir(settings)
        keys.write([crypto.new_key()])
        log.warning(
            "generated a new key for notes in %s: back it up, notes cannot be read without it", keys.path
        )
    return keys


def _key_name(settings: Settings) -> str:
    return "MENTORBOT_SECRET_KEY" if settings.secret_key else f"the key file {key_file(settings)}"


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
    keys = note_keys(settings)
    try:
        crypto.use_keys(keys(), reload=keys)
    except ValueError:
        raise StartupError(f"{_key_name(settings)} does not hold valid keys") from None
    db = Database(settings.sqlalchemy_url)
    try:
        if upgrade if upgrade is not None else settings.is_embedded:
            migrate.upgrade(db.engine)
        elif not migrate.is_up_to_date(db.engine):
            raise StartupError("the database schema is not up to date: run `mentorbot db upgrade` first")
        with db.transaction() as session:
            readable = free_text_readable(session)
    except OperationalError as exc:
        db.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StartupError(
            f"cannot reach the database ({db.engine.url.render_as_string()}): {reason}"
        ) from None
    if not readable:
        db.dispose()
        raise StartupError(
            f"{_key_name(settings)} does not open the notes stored in this database: "
            "they were encrypted with another key (set the key they were written with; newest first)"
        )
    return db


@contextmanager
def database(settings: Settings, upgrade: bool | None = None) -> Iterator[Database]:
    """`open_database` for the length of a command, closed however it ends."""
    db = open_database(settings, upgrade)
    try:
        yield db
    finally:
        db.dispose()
