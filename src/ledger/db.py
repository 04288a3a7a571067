"""Opening the database: which URL, which driver, and the settings each backend needs.

The runtime talks to the drivers directly (``sqlite3``, ``psycopg`` 3): a desk command
must not wait for SQLAlchemy to load. SQLModel still declares the schema and Alembic
still migrates it; :func:`create_engine` builds the SQLAlchemy engine they need, and is
imported only by ``ledger init`` and migrations.

SQLite is the embedded default for one office (WAL so readers never block the writer,
``synchronous=FULL`` so a commit survives a power cut, BEGIN IMMEDIATE for writes so two
desks cannot both read a version and then both write). PostgreSQL serves many desks;
appends there are serialised by a transaction-scoped advisory lock (``APPEND_LOCK``).
A write that waits for the books longer than the configured lock timeout stops with
:class:`~ledger.errors.BooksBusy` instead of waiting silently.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlsplit, urlunsplit

from ledger.errors import BooksBusy, InvalidInput, NoBooks, StoreUnavailable
from ledger.i18n import N_, _

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite reader or a migration waits for a lock (writers: the lock timeout)."""
DEFAULT_LOCK_TIMEOUT: Final = 10.0
"""Seconds a write waits for the append lock before giving up (config ``lock_timeout``)."""
APPEND_LOCK: Final = 0x6C656467_65720001
"""The PostgreSQL advisory-lock key that serialises appends ("ledger" + 1)."""
WRITE = {"ledger_write": True}
ALLOWED = N_("use sqlite:///PATH, postgresql://USER@HOST:PORT/DB, or a file path")


@dataclass(frozen=True)
class Target:
    """A parsed database location: the backend and how its driver is reached."""

    dialect: str
    """``sqlite`` or ``postgresql``."""
    address: str
    """SQLite: the file path (``:memory:`` for none); PostgreSQL: a libpq URL."""

    def describe(self) -> str:
        """The database for messages: the URL without its password."""
        if self.dialect == "sqlite":
            return f"sqlite:///{self.address}"
        parts = urlsplit(self.address)
        if parts.password is None:
            return self.address
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))

    def location(self) -> str:
        """Where the books are, as a person would type it to ``--db``."""
        return self.address if self.dialect == "sqlite" else self.describe()

    def sqlalchemy_url(self) -> str:
        """The URL SQLAlchemy needs (migrations only)."""
        if self.dialect == "sqlite":
            return f"sqlite:///{self.address}"
        return self.address.replace("postgresql://", "postgresql+psycopg://", 1)


def default_url() -> str:
    """The SQLite file in the user's data directory, created on first use."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("ledger", appauthor=False))
    return f"sqlite:///{folder / 'ledger.db'}"


def resolve_url(option: str | None) -> str:
    """The database URL from ``--db``, else ``LEDGER_DB``, else the default file."""
    return option or os.environ.get("LEDGER_DB") or default_url()


def parse_url(text: str, field: str = "--db") -> Target:
    """Accept a SQLite or PostgreSQL URL (or a plain file path), naming what is allowed."""
    if "://" not in text:
        if not text.strip():
            raise InvalidInput(
                _("{field}: the database URL is empty; {allowed}").format(
                    field=field, allowed=_(ALLOWED)
                )
            )
        return Target("sqlite", str(Path(text).expanduser()))
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise InvalidInput(
            _("{field}: {text!r} is not a database URL; {allowed}").format(
                field=field, text=text, allowed=_(ALLOWED)
            )
        ) from None
    backend = parts.scheme.split("+", 1)[0].lower()
    if not backend:
        raise InvalidInput(
            _("{field}: {text!r} is not a database URL; {allowed}").format(
                field=field, text=text, allowed=_(ALLOWED)
            )
        )
    if backend == "sqlite":
        path = unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path)
        return Target("sqlite", path or ":memory:")
    if backend in ("postgresql", "postgres"):
        if not parts.path.strip("/"):
            raise InvalidInput(
                _("{field}: {text!r} names no database; {allowed}").format(
                    field=field, text=text, allowed=_(ALLOWED)
                )
            )
        return Target("postgresql", urlunsplit(parts._replace(scheme="postgresql")))
    raise InvalidInput(
        _("{field}: {backend!r} databases are not supported; {allowed}").format(
            field=field, backend=backend, allowed=_(ALLOWED)
        )
    )


def open_database(
    text: str, *, create: bool = True, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
) -> Database:
    """The database at a URL; a SQLite file is made (owner-only) only when ``create``.

    With ``create`` False a SQLite file that does not exist is refused instead of being
    made (with its folders): a mistyped ``--db`` must not open a new, empty set of books
    and report "no alerts" from it.
    """
    target = parse_url(text)
    if target.dialect == "sqlite" and target.address != ":memory:":
        path = Path(target.address).absolute()
        target = Target("sqlite", str(path))
        if create:
            make_private_file(path)
        elif not path.is_file():
            raise NoBooks(str(path))
    return Database(target, lock_timeout=lock_timeout)


STREAM_BATCH: Final = 256
"""Rows a streamed read holds at a time (:meth:`Database.stream`)."""


class Database:
    """Connections to one database: one per thread, kept open, with the driver's settings.

    SQL is written once with ``?`` placeholders; :meth:`sql` turns them into the
    PostgreSQL driver's ``%s``. Connections run in autocommit mode: a read is one
    statement, and :meth:`writing` opens the only explicit transactions.
    """

    def __init__(self, target: Target, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.target = target
        self.dialect = target.dialect
        self.lock_timeout = lock_timeout
        self._local = threading.local()
        self._opened: list[Any] = []
        self._guard = threading.Lock()
        self._shared: Any = None
        self._engine: Engine | None = None
        self._sql: dict[str, str] = {}

    # -- connections ---------------------------------------------------------------

    def connection(self) -> Any:
        """This thread's connection, opened on first use (and again after a failure)."""
        conn = self._shared or getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            with self._guard:
                self._opened.append(conn)
            if self.target.address == ":memory:":
                self._shared = conn
            else:
                self._local.conn = conn
        return conn

    def _connect(self) -> Any:
        try:
            if self.dialect == "sqlite":
                return self._connect_sqlite()
            return self._connect_postgres()
        except self.errors() as exc:
            raise self.failure(exc) from None

    def _connect_sqlite(self) -> sqlite3.Connection:
        """WAL, FULL durability, our own BEGIN, and the lock timeout as busy timeout."""
        memory = self.target.address == ":memory:"
        conn = sqlite3.connect(
            self.target.address,
            timeout=self.lock_timeout,
            isolation_level=None,
            check_same_thread=not memory,
            cached_statements=256,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA secure_delete = ON")  # erased personal data is overwritten
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _connect_postgres(self) -> Any:
        """Autocommit, durable commits, and the lock timeout for every lock wait."""
        import psycopg

        conn = psycopg.connect(self.target.address, autocommit=True, connect_timeout=5)
        milliseconds = int(self.lock_timeout * 1000)
        conn.execute(f"SET lock_timeout = {milliseconds}; SET synchronous_commit = on")
        return conn

    def sql(self, text: str) -> str:
        """The statement in this driver's placeholder style."""
        if self.dialect == "sqlite":
            return text
        converted = self._sql.get(text)
        if converted is None:
            converted = self._sql[text] = text.replace("?", "%s")
        return converted

    def close(self) -> None:
        """Close every connection this object opened (and the migration engine, if any)."""
        with self._guard:
            opened, self._opened = self._opened, []
        for conn in opened:
            with suppress(Exception):  # closing or rolling back a broken connection
                conn.close()
        self._local = threading.local()
        self._shared = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _forget(self, conn: Any) -> None:
        """Drop a connection that failed, so the next use opens a fresh one."""
        if self._shared is conn:
            self._shared = None
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._guard:
            if conn in self._opened:
                self._opened.remove(conn)
        with suppress(Exception):  # closing or rolling back a broken connection
            conn.close()

    # -- statements ----------------------------------------------------------------

    def fetch(self, text: str, params: Any = ()) -> list[Any]:
        """All rows of one read statement."""
        with self.reading() as conn:
            return list(conn.execute(self.sql(text), params).fetchall())

    def stream(self, text: str, params: Any = (), batch: int | None = None) -> Iterator[Any]:
        """The rows of one read statement as they come, ``batch`` at a time, so that a
        reader holds a page, not the result (SQLite steps its cursor; PostgreSQL sends
        the rows in chunks). Nothing else may use the connection until it is exhausted
        on PostgreSQL, so a reader folds what it reads without asking the database."""
        for page in self.pages(text, params, batch):
            yield from page

    def pages(self, text: str, params: Any = (), batch: int | None = None) -> Iterator[list[Any]]:
        """``stream``'s rows a page (``batch`` rows) at a time, for a reader that hands a
        whole page to C code (``collections.Counter``) instead of looping over its rows."""
        batch = batch or STREAM_BATCH
        with self.reading() as conn:
            if self.dialect == "sqlite":
                cursor = conn.execute(self.sql(text), params)
                while page := cursor.fetchmany(batch):
                    yield page
            else:
                rows = conn.cursor().stream(self.sql(text), params, size=batch)
                while page := list(islice(rows, batch)):
                    yield page

    def scalar(self, text: str, params: Any = ()) -> Any:
        """The first column of the first row (None when there is none)."""
        rows = self.fetch(text, params)
        return rows[0][0] if rows else None

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """The connection for reads, with database failures explained in one line."""
        conn = self.connection()
        try:
            yield conn
        except self.errors() as exc:
            if self._broken(conn):
                self._forget(conn)
            raise self.failure(exc) from None

    @contextmanager
    def writing(self, *, exclusive: bool = True) -> Iterator[Any]:
        """A write transaction; ``exclusive`` holds the append lock until commit.

        SQLite: ``BEGIN IMMEDIATE`` always (the file's one writer). PostgreSQL: an advisory lock
        taken in the same round trip as ``BEGIN``, before anything is read, so positions
        are gapless in commit order. A wait beyond the lock timeout raises ``BooksBusy``.
        """
        with self.writing_from(None, exclusive=exclusive) as (conn, _rows):
            yield conn

    @contextmanager
    def writing_from(
        self, first: tuple[str, Any] | None, *, exclusive: bool = True, pipelined: bool = True
    ) -> Iterator[tuple[Any, list[Any]]]:
        """:meth:`writing`, with ``first`` (a read: statement, parameters) run as the
        transaction's first statement; yields the connection and that read's rows.

        On PostgreSQL, with ``first`` and ``pipelined`` (not for a bulk load by ``COPY``,
        which a pipeline cannot carry), the whole transaction is one pipeline: ``BEGIN``,
        the append lock and ``first`` go to the server together, the writes after them
        are sent as they come and read back when a result is needed, and the ``COMMIT``
        goes with the last of them. An append waits for the network two or three times
        instead of once per statement.
        """
        conn = self.connection()
        if getattr(self._local, "batch", None) is conn:
            with self._step(conn):
                yield conn, self._first_rows(conn, first)
            return
        if first is not None and pipelined and self.dialect == "postgresql":
            with self._pipelined(conn, first, exclusive=exclusive) as rows:
                yield conn, rows
            return
        try:
            if self.dialect == "sqlite":
                conn.execute("BEGIN IMMEDIATE")  # every SQLite write: never a lock upgrade
            else:
                conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({APPEND_LOCK})" if exclusive
                             else "BEGIN")  # fmt: skip
            rows = self._first_rows(conn, first)
        except self.errors() as exc:
            self._abandon(conn)
            raise self.failure(exc) from None
        try:
            yield conn, rows
            conn.execute("COMMIT")
        except BaseException as exc:
            self._fail(conn, exc)

    @contextmanager
    def _pipelined(
        self, conn: Any, first: tuple[str, Any], *, exclusive: bool
    ) -> Iterator[list[Any]]:
        """A PostgreSQL transaction in one pipeline (``writing_from``). An error inside is
        raised after the pipeline has ended, so that the rollback runs outside it."""
        failed: BaseException | None = None
        try:
            with conn.pipeline():
                try:
                    conn.execute("BEGIN")
                    if exclusive:
                        conn.execute(f"SELECT pg_advisory_xact_lock({APPEND_LOCK})")
                    rows = list(conn.execute(first[0], first[1]).fetchall())
                except self.errors() as exc:
                    failed = exc  # the lock timed out, or the server failed
                if failed is None:
                    try:
                        yield rows
                        conn.execute("COMMIT")  # sent and confirmed at the pipeline's end
                    except BaseException as exc:  # raised below, outside the pipeline
                        failed = exc
        except BaseException as exc:  # the end of the pipeline: the COMMIT, a queued write
            if failed is None:
                failed = exc
        if failed is not None:
            self._fail(conn, failed)

    def _fail(self, conn: Any, exc: BaseException) -> None:
        """Roll back a write that failed and raise why (a driver failure in one line)."""
        self._abandon(conn)
        if isinstance(exc, self.errors()) and not self.is_conflict(exc):
            raise self.failure(exc) from None
        raise exc

    def _first_rows(self, conn: Any, first: tuple[str, Any] | None) -> list[Any]:
        return [] if first is None else list(conn.execute(first[0], first[1]).fetchall())

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One write transaction (holding the append lock) around many writes of this thread.

        An import writes its rows a batch at a time: one commit (one disk flush) for many
        desk commands instead of one each. Inside, each :meth:`writing` is a savepoint,
        so a command refused half-way leaves the batch as it was before it.
        """
        with self.writing() as conn:
            self._local.batch = conn
            try:
                yield
            finally:
                self._local.batch = None

    def in_batch(self) -> bool:
        """Whether this thread writes inside :meth:`batch` (its reads see what the batch
        wrote, which is not committed yet)."""
        return getattr(self._local, "batch", None) is not None

    @contextmanager
    def _step(self, conn: Any) -> Iterator[None]:
        """A write inside a batch: a savepoint, released when it succeeds, else rolled back."""
        try:
            conn.execute("SAVEPOINT ledger_step")
        except self.errors() as exc:
            raise self.failure(exc) from None
        try:
            yield
        except BaseException as exc:
            with suppress(Exception):  # the batch fails at its commit if this cannot run
                conn.execute("ROLLBACK TO SAVEPOINT ledger_step")
                conn.execute("RELEASE SAVEPOINT ledger_step")
            if isinstance(exc, self.errors()) and not self.is_conflict(exc):
                raise self.failure(exc) from None
            raise
        try:
            conn.execute("RELEASE SAVEPOINT ledger_step")
        except self.errors() as exc:
            raise self.failure(exc) from None

    def checkpoint(self) -> bool:
        """Copy the SQLite WAL into the file and empty it; False if a reader kept it busy.

        After an erasure the old page versions still sit in the ``-wal`` file; with
        ``secure_delete`` on, TRUNCATE leaves them nowhere. A connection inside a read
        transaction at that moment keeps the WAL in use (``busy``); idle connections
        (every ledger connection between statements) do not. PostgreSQL: nothing to do.
        """
        if self.dialect != "sqlite" or self.target.address == ":memory:":
            return True
        with self.reading() as conn:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy

    def vacuum(self, table: str, *, full: bool = True) -> bool:
        """PostgreSQL: rewrite ``table`` (``VACUUM (FULL)``) so that no dead row version (an
        erased applicant's deleted key) stays in its files; a plain VACUUM (``full``
        False: a large table the desks keep writing) frees the space without locking them
        out, but leaves the bytes in the page. False if this role may not (only the owner
        or a superuser may; PostgreSQL would skip it with a mere warning) or the table
        stayed locked past the lock timeout. Connections run in autocommit, so it runs
        outside a transaction block, as it must. SQLite: nothing to do (``checkpoint``).
        """
        if self.dialect != "postgresql":
            return True
        with self.reading() as conn:
            (allowed,) = conn.execute(
                "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
                "WHERE oid = to_regclass(%s)",
                (table,),
            ).fetchone() or (False,)
            if not allowed:
                return False
            if not full:
                conn.execute(f"VACUUM {table}")
                return True
            for attempt in range(VACUUM_ATTEMPTS):
                if attempt:
                    time.sleep(VACUUM_PAUSE)
                kept = _dead_rows_kept(conn, table)
                if kept is None:
                    return False  # the lock timeout passed: the table stayed busy
                if kept == 0:
                    return True
        return False

    def _abandon(self, conn: Any) -> None:
        """Roll back whatever is open; forget the connection if it is broken."""
        with suppress(Exception):  # closing or rolling back a broken connection
            conn.execute("ROLLBACK")
        if self._broken(conn):
            self._forget(conn)

    def _broken(self, conn: Any) -> bool:
        return self.dialect == "postgresql" and bool(conn.closed or conn.broken)

    # -- errors --------------------------------------------------------------------

    def errors(self) -> tuple[type[Exception], ...]:
        """The driver's exception classes (psycopg's only if loaded)."""
        return database_errors()

    def is_conflict(self, exc: BaseException) -> bool:
        """A unique-key refusal: what an append racing another would meet."""
        if isinstance(exc, sqlite3.IntegrityError):
            return True
        return getattr(exc, "sqlstate", None) == "23505"

    def failure(self, exc: BaseException) -> StoreUnavailable:
        """The one-line error for a driver failure: busy books, or unavailable."""
        if _is_lock_timeout(exc):
            return BooksBusy(self.lock_timeout)
        return unavailable(self.target, exc)

    # -- migrations ----------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """A SQLAlchemy engine on the same database, for migrations and tools only."""
        if self._engine is None:
            self._engine = _sqlalchemy_engine(self.target)
        return self._engine


VACUUM_ATTEMPTS: Final = 3
VACUUM_PAUSE: Final = 1.0
"""A dead row version still visible to an open transaction (a long read, autovacuum's
ANALYZE) survives a VACUUM; a short wait and another try usually outlast it."""


def _dead_rows_kept(conn: Any, table: str) -> int | None:
    """``VACUUM (FULL, VERBOSE)`` the table: how many dead row versions it had to keep
    (the first number of the server's detail line, "N dead row versions cannot be removed
    yet", in whatever language the server speaks); None if the table stayed locked."""
    details: list[str] = []

    def note(diagnostic: Any) -> None:
        details.append(str(diagnostic.message_detail or ""))

    conn.add_notice_handler(note)
    try:
        conn.execute(f"VACUUM (FULL, VERBOSE) {table}")
    except Exception as exc:
        if _is_lock_timeout(exc):
            return None
        raise
    finally:
        conn.remove_notice_handler(note)
    counts = [re.search(r"[0-9]+", d) for d in details if d]
    found = [int(m.group()) for m in counts if m is not None]
    return found[0] if found else 1  # nothing said: assume the worst


def database_errors() -> tuple[type[Exception], ...]:
    """The drivers' exception classes loaded in this process (never imports a driver)."""
    errors: list[type[Exception]] = [sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors.append(psycopg.Error)
    return tuple(errors)


def _is_lock_timeout(exc: BaseException) -> bool:
    """SQLITE_BUSY after the busy timeout, or PostgreSQL's lock_not_available."""
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_BUSY or "database is locked" in str(exc)
    return getattr(exc, "sqlstate", None) == "55P03"


def create_engine(text: str, *, create: bool = True) -> Engine:
    """A SQLAlchemy engine for the URL (migrations, ``ledger init`` and tools only)."""
    target = parse_url(text)
    if target.dialect == "sqlite" and target.address != ":memory:":
        path = Path(target.address).absolute()
        target = Target("sqlite", str(path))
        if create:
            make_private_file(path)
        elif not path.is_file():
            raise NoBooks(str(path))
    return _sqlalchemy_engine(target)


def _sqlalchemy_engine(target: Target) -> Engine:
    """The engine, configured as the runtime connections are."""
    import sqlalchemy as sa
    from sqlalchemy import event

    if target.dialect != "sqlite":
        return sa.create_engine(
            target.sqlalchemy_url(), pool_pre_ping=True,
            connect_args={"connect_timeout": 5}, pool_size=2,
        )  # fmt: skip
    engine = sa.create_engine(
        target.sqlalchemy_url(), connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so that BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
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
        raise StoreUnavailable(
            _("--db: cannot create {path}: {why}").format(path=path, why=exc.strerror)
        ) from None


def describe(db: Database | Engine) -> str:
    """The database for messages: the URL without its password."""
    if isinstance(db, Database):
        return db.target.describe()
    return db.url.render_as_string(hide_password=True)


def location(db: Database | Engine) -> str:
    """Where the books are, as a person would type it to ``--db``: a file path for SQLite."""
    if isinstance(db, Database):
        return db.target.location()
    if db.url.get_backend_name() == "sqlite" and db.url.database:
        return db.url.database
    return describe(db).replace("postgresql+psycopg://", "postgresql://")


def unavailable(where: Target | Engine, exc: BaseException) -> StoreUnavailable:
    """A one-line error for a database that cannot be reached or opened."""
    reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    name = where.describe() if isinstance(where, Target) else describe(where)
    return StoreUnavailable(
        _("database {name} is unavailable: {first}").format(name=name, first=first)
    )
