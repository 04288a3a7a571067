"""Opening the database: which URL, which driver, and the settings each backend needs.

SQLite is the embedded default for one office (WAL so readers never block the writer, a
busy timeout so desks queue instead of failing, BEGIN IMMEDIATE for writes so two desks
cannot both read a version and then both write). PostgreSQL serves many desks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

from ledger.errors import InvalidInput, NoBooks, StoreUnavailable

BUSY_TIMEOUT_MS = 30_000
WRITE = {"ledger_write": True}


def default_url() -> str:
    """The SQLite file in the user's data directory, created on first use."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("ledger", appauthor=False))
    return f"sqlite:///{folder / 'ledger.db'}"


def resolve_url(option: str | None) -> str:
    """The database URL from ``--db``, else ``LEDGER_DB``, else the default file."""
    return option or os.environ.get("LEDGER_DB") or default_url()


def parse_url(text: str, field: str = "--db") -> URL:
    """Accept a SQLite or PostgreSQL URL (or a plain file path), naming what is allowed."""
    allowed = "use sqlite:///PATH, postgresql://USER@HOST:PORT/DB, or a file path"
    if "://" not in text:
        if not text.strip():
            raise InvalidInput(f"{field}: the database URL is empty; {allowed}")
        return make_url(f"sqlite:///{Path(text).expanduser()}")
    try:
        url = make_url(text)
    except ArgumentError:
        raise InvalidInput(f"{field}: {text!r} is not a database URL; {allowed}") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite")
    if backend in ("postgresql", "postgres"):
        if not url.database:
            raise InvalidInput(f"{field}: {text!r} names no database; {allowed}")
        return url.set(drivername="postgresql+psycopg")
    raise InvalidInput(f"{field}: {backend!r} databases are not supported; {allowed}")


def create_engine(text: str, *, create: bool = True) -> Engine:
    """An engine for the URL, configured for its backend.

    With ``create`` False a SQLite file that does not exist is refused instead of being
    made (with its folders): a mistyped ``--db`` must not open a new, empty set of books
    and report "no alerts" from it.
    """
    url = parse_url(text)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, create)
    return sa.create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, pool_size=2
    )


def _sqlite_engine(url: URL, create: bool) -> Engine:
    """A SQLite engine that begins write transactions IMMEDIATE and runs in WAL mode."""
    if url.database and url.database != ":memory:":
        path = Path(url.database).absolute()
        url = url.set(database=str(path))
        if create:
            make_private_file(path)
        elif not path.is_file():
            raise NoBooks(str(path))
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so that BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("ledger_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (0600, in 0700 folders).

    The file holds applicants' personal data; SQLite gives its ``-wal`` and ``-shm``
    files the same mode as the database file. An existing file keeps its mode.
    """
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StoreUnavailable(f"--db: cannot create {path}: {exc.strerror}") from None


def describe(engine: Engine) -> str:
    """The database for messages: the URL without its password."""
    return engine.url.render_as_string(hide_password=True)


def location(engine: Engine) -> str:
    """Where the books are, as a person would type it to ``--db``: a file path for SQLite."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database:
        return engine.url.database
    return describe(engine).replace("postgresql+psycopg://", "postgresql://")


def unavailable(engine: Engine, exc: BaseException) -> StoreUnavailable:
    """A one-line error for a database that cannot be reached or opened."""
    reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    return StoreUnavailable(f"database {describe(engine)} is unavailable: {first}")
