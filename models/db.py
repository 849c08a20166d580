"""Connections and transactions: the one place that opens a database transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Several threads (Bolt's listener pool, the clock) share one file: wait instead of failing.
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # A commit is in the WAL file, so in the operating system's hands, when it returns: a process
    # that dies loses nothing it committed (an acked job included). Only a power cut or an OS crash
    # can lose the last commits; the database itself stays whole. FULL would wait for the disk on
    # every commit (about 1.5 ms here), and every ack of a change commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


_WRITER = ContextVar("mentorbot_writer", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """The transactions in this block (and the threads it starts with `asyncio.to_thread`) write:
    on SQLite they take turns in this process (see `Database.transaction`)."""
    token = _WRITER.set(True)
    try:
        yield
    finally:
        _WRITER.reset(token)


class Database:
    """Owns the engine; `transaction()` is how every use case reads and writes."""

    def __init__(self, url: str) -> None:
        self.url = normalise_database_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite lets one transaction write at a time, and one that waits for the lock sleeps in
        # steps of up to 100 ms (its busy handler): writers of this process queue here instead and
        # go the moment the one before commits. Readers (WAL) never wait for writers.
        self._one_writer = threading.RLock() if self.url.startswith("sqlite") else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit when the block ends normally, roll back everything when it raises.

        Inside `writing()` on SQLite, one such transaction at a time in this process."""
        if self._one_writer is not None and _WRITER.get():
            with self._one_writer, self._sessions.begin() as session:
                yield session
            return
        with self._sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
