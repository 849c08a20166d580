"""Throwaway databases for a run: a SQLite file in a temporary folder, a PostgreSQL database of our own.

PostgreSQL gets a database named `mentorbot_bench_<pid>` (never the shared `public` schema of the
test database), created at the start and dropped at the end.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from models import crypto, migrate
from models.db import Database, normalise_database_url

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
# Fixed so worker subprocesses and the parent read each other's notes; generated data only.
BENCH_KEY = "wfTb2X6KwRQFpqGC9qYEJkrMGzibGdFJClTgDfTDN44="


def use_bench_key() -> None:
    crypto.use_keys([BENCH_KEY])


@contextmanager
def sqlite_database(name: str) -> Iterator[Database]:
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-") as folder:
        db = Database(f"sqlite:///{Path(folder) / name}.sqlite3")
        migrate.upgrade(db.engine)
        try:
            yield db
        finally:
            db.dispose()


def postgres_available(url: str) -> bool:
    try:
        engine = create_engine(normalise_database_url(url))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except OperationalError:
        return False


@contextmanager
def postgres_database(url: str, name: str) -> Iterator[Database]:
    """A fresh database on the server of `url`, dropped afterwards."""
    server = normalise_database_url(url)
    database = f"mentorbot_bench_{name}_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    db = Database(server.rsplit("/", 1)[0] + f"/{database}")
    try:
        migrate.upgrade(db.engine)
        yield db
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
