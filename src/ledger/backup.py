"""The books taken out whole and put back exactly: the events export, backup and restore.

An events export is JSON lines: a header line, one line per event with every stored field
(the shape of ``ledger log --format json``), optionally one line per applicant, one line
per text kept outside the log (``ledger.texts``: sealed, with its request's key; an
erased one without either), and the chain head last. The texts always travel: the events
name them, as they carried the text itself before texts were kept apart. Restoring it
into an EMPTY database re-inserts every event with its own position, time, actor and
hash, so the restored log is the same log: the chain is checked in the file before
anything is written, and the database's chain and deadline audit after, before the
restore reports success.

``backup`` copies a SQLite database with SQLite's online backup API (consistent while
desks keep writing); on PostgreSQL it writes the events export with the applicants, read
in one REPEATABLE READ transaction.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledger.applicants import PERSONAL, Applicant, match_digests, new_key, seal
from ledger.db import Database, create_engine, open_database
from ledger.errors import ChainUnchecked, IntegrityFailure, InvalidInput
from ledger.events import codec
from ledger.events.chainkey import KEY_ENV, ChainKey
from ledger.events.schema import ApplicantKeyRow, ApplicantRow, EventRow, TextKeyRow, TextRow
from ledger.events.store import (
    ChainCheck,
    ChainWalk,
    EventStore,
    Row,
    chain_breaks,
    raw_fields,
    refresh_statistics,
    settle_tables,
)
from ledger.i18n import _, ngettext
from ledger.projections.audit import DeadlineAudit, DeadlineAuditor
from ledger.projections.log import Verification, verify_log, walk_rows
from ledger.projections.tables import rebuild_projections
from ledger.texts import TEXT_COLUMNS

FORMAT = "ledger-events"
VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
INSERT_BATCH = 5_000
EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
APPLICANTS: sa.Table = ApplicantRow.__table__  # type: ignore[attr-defined]
KEYS: sa.Table = ApplicantKeyRow.__table__  # type: ignore[attr-defined]
TEXTS: sa.Table = TextRow.__table__  # type: ignore[attr-defined]
TEXT_KEYS: sa.Table = TextKeyRow.__table__  # type: ignore[attr-defined]
"""The tables as SQLModel declares them: a backup is a tool, so it may use SQLAlchemy."""
EVENT_KEYS = (
    "position", "stream_id", "version", "type", "schema_version", "data",
    "effective_date", "recorded_at", "actor", "agency", "command_id", "hash",
)  # fmt: skip
APPLICANT_KEYS = tuple(c.name for c in APPLICANTS.c)


@dataclass(frozen=True)
class Written:
    """What an export or a backup wrote."""

    file: Path
    events: int
    applicants: int
    head: str


@dataclass(frozen=True)
class Restored:
    """What a restore put back, and its verification."""

    events: int
    applicants: int
    head: str
    verification: Verification


# -- reading the books exactly ---------------------------------------------------------


def _event_rows(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every event as stored (payload as its JSON text, dates as values), in order."""
    columns = [sa.cast(c, sa.Text).label(c.name) if c.name == "data" else c for c in EVENTS.c]
    query = sa.select(*columns).order_by(EVENTS.c.position)
    for r in conn.execution_options(yield_per=INSERT_BATCH).execute(query):
        row = dict(r._mapping)
        row["effective_date"] = _as_date(row["effective_date"])
        row["recorded_at"] = _as_datetime(row["recorded_at"])
        yield row


def _applicant_rows(conn: Connection) -> Iterator[dict[str, Any]]:
    """Each applicant's row with their key (None once erased): the data is sealed with it."""
    joined = APPLICANTS.outerjoin(KEYS, KEYS.c.ref == APPLICANTS.c.ref)
    query = sa.select(APPLICANTS, KEYS.c.key).select_from(joined).order_by(APPLICANTS.c.ref)
    yield from _sealed_rows(conn, query)


def _text_rows(conn: Connection) -> Iterator[dict[str, Any]]:
    """Each text with its request's key (None once erased); none from books older than
    revision 0004, which kept every text in its event."""
    if not sa.inspect(conn).has_table("texts"):
        return
    joined = TEXTS.outerjoin(TEXT_KEYS, TEXT_KEYS.c.owner == TEXTS.c.owner)
    query = sa.select(TEXTS, TEXT_KEYS.c.key).select_from(joined).order_by(TEXTS.c.ref)
    yield from _sealed_rows(conn, query)


def _sealed_rows(conn: Connection, query: sa.Select[Any]) -> Iterator[dict[str, Any]]:
    """Rows of sealed data with their key, their moments read back as datetimes."""
    for r in conn.execute(query):
        row = dict(r._mapping)
        for key in ("created_at", "erased_at"):
            row[key] = _as_datetime(row[key]) if row[key] is not None else None
        yield row


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see one moment of the books."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    conn.begin()
    return conn


# -- the events export -----------------------------------------------------------------


def _event_line(row: dict[str, Any]) -> dict[str, Any]:
    line = {k: row[k] for k in EVENT_KEYS}
    line["data"] = codec.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    line["effective_date"] = row["effective_date"].isoformat()
    line["recorded_at"] = row["recorded_at"].isoformat(timespec="microseconds")
    return line


def _applicant_line(row: dict[str, Any]) -> dict[str, Any]:
    return {"applicant": _sealed_line(row, APPLICANT_KEYS)}


def _text_line(row: dict[str, Any]) -> dict[str, Any]:
    return {"text": _sealed_line(row, tuple(c.name for c in TEXTS.c))}


def _sealed_line(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    """A sealed row's columns and its key as JSON values (None once erased)."""
    values = {k: row[k] for k in columns}
    values["key"] = base64.b64encode(row["key"]).decode("ascii") if row["key"] else None
    for key in ("created_at", "erased_at"):
        if values[key] is not None:
            values[key] = values[key].isoformat(timespec="microseconds")
    return values


def write_events(engine: Engine, out: IO[str], *, applicants: bool = False) -> tuple[int, int, str]:
    """Write the events export to ``out``: header, events, applicants if asked, chain head."""
    count, people, head, position = 0, 0, codec.GENESIS, 0
    out.write(codec.dumps({"format": FORMAT, "version": VERSION, "applicants": applicants}) + "\n")
    conn = _snapshot(engine)
    try:
        for row in _event_rows(conn):
            out.write(codec.dumps(_event_line(row)) + "\n")
            count, head, position = count + 1, row["hash"], row["position"]
        if applicants:
            for row in _applicant_rows(conn):
                out.write(codec.dumps(_applicant_line(row)) + "\n")
                people += 1
        for row in _text_rows(conn):
            out.write(codec.dumps(_text_line(row)) + "\n")
    finally:
        conn.close()
    tail = {"chain_head": {"position": position, "hash": head}, "events": count}
    out.write(codec.dumps(tail) + "\n")
    return count, people, head


def export_events(engine: Engine, file: Path, *, applicants: bool = False) -> Written:
    """Write the events export to a file (a new one, written whole or not at all)."""
    partial = file.with_name(file.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        count, people, head = write_events(engine, out, applicants=applicants)
    partial.replace(file)
    return Written(file, count, people, head)


def is_events_export(file: Path) -> bool:
    """Whether a JSON-lines file is an events export (its first line is the header)."""
    try:
        with file.open(encoding="utf-8") as handle:
            first = handle.readline()
        header = codec.loads(first)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(header, dict) and header.get("format") == FORMAT


# -- backup ----------------------------------------------------------------------------


def backup(engine: Engine, file: Path) -> Written:
    """A consistent copy of the books while desks keep writing (a new file)."""
    if file.exists():
        raise InvalidInput(_("FILE: {file} exists; a backup goes to a new file").format(file=file))
    if engine.dialect.name != "sqlite":
        return export_events(engine, file, applicants=True)
    source = engine.url.database
    if not source or source == ":memory:":
        raise InvalidInput(_("--db: an in-memory SQLite database cannot be backed up"))
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
        src.execute("PRAGMA busy_timeout = 30000")
        src.backup(dst)
    src.close()
    dst.close()
    partial.replace(file)
    copy = create_engine(f"sqlite:///{file}", create=False)
    try:
        with copy.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar() or 0
            head = conn.execute(
                sa.select(EVENTS.c.hash).order_by(EVENTS.c.position.desc()).limit(1)
            ).scalar()
            people = conn.execute(sa.select(sa.func.count()).select_from(APPLICANTS)).scalar()
    finally:
        copy.dispose()
    return Written(file, int(count), int(people or 0), head or codec.GENESIS)


# -- restore ---------------------------------------------------------------------------

RESTORE_BATCH = 10_000
"""Events a restore writes at a time (one ``COPY`` or ``executemany``): it holds one such
page, and the deadline audit's open requests, never the log."""


def _lines(file: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The parsed lines of an events export, numbered."""
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = codec.loads(line)
            except ValueError:
                raise InvalidInput(
                    _("{file}:{number}: not a JSON object").format(file=file, number=number)
                ) from None
            if not isinstance(item, dict):
                raise InvalidInput(
                    _("{file}:{number}: not a JSON object").format(file=file, number=number)
                )
            yield number, item


class _Loader:
    """What a restore writes, inside its one transaction: the events a page at a time (as
    ``EventStore.insert_values`` loads them: ``COPY`` on PostgreSQL), the applicants and
    the texts in batches of ``INSERT_BATCH``."""

    def __init__(self, store: EventStore, conn: Any) -> None:
        self.store, self.conn = store, conn
        self.sqlite = store.db.dialect == "sqlite"
        self.events, self.applicants, self.head = 0, 0, codec.GENESIS
        self._people: list[tuple[Any, ...]] = []
        self._people_keys: list[tuple[str, bytes]] = []
        self._texts: list[tuple[Any, ...]] = []
        self._text_keys: dict[str, bytes] = {}

    def passing(self, rows: Iterable[Row], chain: ChainWalk) -> Iterator[Row]:
        """The source's events, each page written before its rows are handed on to the
        chain and the audit: the audit may read a request's earlier events back
        (``DeadlineAuditor``), from this transaction. Stops when the chain reaches a keyed
        part it has no key for: nothing after it could be checked.

        PostgreSQL: the log's statistics refreshed each time it has doubled (``ANALYZE``
        in a transaction counts the rows the transaction wrote): a planner that takes the
        table for empty reads a request's stream, or a page of the log, by scanning it
        whole, which made a restore of 100,000 requests grow as the square of the log."""
        rows, analysed = iter(rows), 0
        while page := list(islice(rows, RESTORE_BATCH)):
            if chain.unchecked:
                return
            self.store.insert_values(self.conn, page)
            self.events, self.head = self.events + len(page), str(page[-1][11])
            if refresh_statistics(self.store, self.events - analysed):
                analysed = self.events
            yield from page

    def applicant(self, person: dict[str, Any]) -> None:
        """An applicant's row and key (sealed here if the file is older than sealing)."""
        key = person.pop("key", None)
        if key is None and person.get("erased_at") is None:
            key = _seal_clear(person)  # a file from before applicants were sealed
        self._people.append(self._values(person, APPLICANT_KEYS))
        if key is not None:
            self._people_keys.append((person["ref"], bytes(key)))
        self.applicants += 1
        if len(self._people) >= INSERT_BATCH:
            self._flush_people()

    def text(self, text: dict[str, Any]) -> None:
        """A text and its request's key (every text of the request carries it: written once)."""
        key = text.pop("key", None)
        self._texts.append(self._values(text, TEXT_COLUMNS))
        if key is not None:
            self._text_keys[text["owner"]] = bytes(key)
        if len(self._texts) >= INSERT_BATCH:
            self._flush_texts()

    def finish(self) -> None:
        """Write what the batches still hold."""
        self._flush_people()
        self._flush_texts()

    def _values(self, row: dict[str, Any], columns: tuple[str, ...]) -> tuple[Any, ...]:
        """A row's values in column order, its moments as this database keeps them."""
        values = dict(row)
        for key in ("created_at", "erased_at"):
            if values.get(key) is not None:
                moment = _as_datetime(values[key])
                values[key] = moment.isoformat(" ", "microseconds") if self.sqlite else moment
        return tuple(values.get(c) for c in columns)

    def _flush_people(self) -> None:
        self._write("applicants", APPLICANT_KEYS, self._people)
        self._write("applicant_keys", ("ref", "key"), self._people_keys)
        self._people, self._people_keys = [], []

    def _flush_texts(self) -> None:
        self._write("texts", TEXT_COLUMNS, self._texts)
        keys = list(self._text_keys.items())  # a request's key once a batch, and once in all:
        self._write("text_keys", ("owner", "key"), keys, " ON CONFLICT (owner) DO NOTHING")
        self._texts, self._text_keys = [], {}

    def _write(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], tail: str = ""
    ) -> None:
        """Insert the rows: on PostgreSQL by ``COPY`` unless the insert has a ``tail``."""
        if not rows:
            return
        listed = ", ".join(columns)
        if not self.sqlite and not tail:
            with self.conn.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
            return
        marks = ", ".join("?" for _ in columns)
        text = f"INSERT INTO {table} ({listed}) VALUES ({marks}){tail}"
        self.conn.cursor().executemany(self.store.db.sql(text), rows)


class _Backup:
    """A SQLite backup: its events read as the store reads its own (``read_rows``), then
    its applicants and texts."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.db = open_database(f"sqlite:///{file}", create=False)
        self.tail: tuple[int, str] | None = None
        """A backup has no chain head line: its last event is its head."""

    def rows(self, loader: _Loader | None = None) -> Iterator[Row]:
        """The events in log order; then, to ``loader``, the applicants and the texts."""
        yield from EventStore(self.db).read_rows()
        if loader is None:
            return
        for person in self._sealed("applicants", "applicant_keys", "ref", APPLICANT_KEYS):
            loader.applicant(person)
        if self.db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'texts'"):
            for text in self._sealed("texts", "text_keys", "owner", TEXT_COLUMNS):
                loader.text(text)  # none in books older than revision 0004

    def _sealed(
        self, table: str, keys: str, on: str, columns: tuple[str, ...]
    ) -> Iterator[dict[str, Any]]:
        """Each row of a sealed table with its key (None once erased)."""
        listed = ", ".join(f"t.{c}" for c in columns)
        query = (
            f"SELECT {listed}, k.key FROM {table} t LEFT JOIN {keys} k ON k.{on} = t.{on} "
            "ORDER BY t.ref"
        )
        for r in self.db.stream(query, batch=INSERT_BATCH):
            yield dict(zip((*columns, "key"), r, strict=True))

    def close(self) -> None:
        self.db.close()


class _Export:
    """An events export, read once: its events in order, the applicants and texts handed
    to the loader as they come, and the chain head line it ends with (``tail``)."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.tail: tuple[int, str] | None = None

    def rows(self, loader: _Loader | None = None) -> Iterator[Row]:
        for number, item in _lines(self.file):
            if "position" in item:
                yield _event_row(item, f"{self.file}:{number}")
            elif "chain_head" in item:
                head = item["chain_head"]
                self.tail = (int(head["position"]), str(head["hash"]))
            elif loader is not None and "applicant" in item:
                loader.applicant(_kept_row(item["applicant"]))
            elif loader is not None and "text" in item:
                loader.text(_kept_row(item["text"]))

    def close(self) -> None:
        pass


def _kept_row(item: dict[str, Any]) -> dict[str, Any]:
    """An applicant's or a text's line as a row: moments as datetimes, the key as bytes."""
    row = dict(item)
    for key in ("created_at", "erased_at"):
        row[key] = _as_datetime(row[key]) if row.get(key) else None
    row["key"] = base64.b64decode(row["key"]) if row.get("key") else None
    return row


def _event_row(item: dict[str, Any], where: str) -> Row:
    """An event line as the store selects its rows (``SELECT``): the payload as its JSON
    text, the dates as SQLite keeps them."""
    missing = [k for k in EVENT_KEYS if k not in item]
    if missing:
        raise InvalidInput(
            _("{where}: an event line needs {listed}").format(
                where=where, listed=", ".join(missing)
            )
        )
    try:
        day = date.fromisoformat(str(item["effective_date"])).isoformat()
        moment = datetime.fromisoformat(str(item["recorded_at"]))
    except ValueError:
        raise InvalidInput(
            _("{where}: effective_date or recorded_at is not a date").format(where=where)
        ) from None
    data = item["data"]
    return (
        item["position"], item["stream_id"], item["version"], item["type"],
        item["schema_version"], data if isinstance(data, str) else codec.dumps(data), day,
        moment.isoformat(" ", "microseconds"), item["actor"], item["agency"],
        item["command_id"], item["hash"],
    )  # fmt: skip


Source = _Backup | _Export


def _source(file: Path) -> Source:
    """A SQLite backup (opened through the store's own driver) or an events export."""
    try:
        with file.open("rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise InvalidInput(
            _("FILE: cannot read {file}: {why}").format(file=file, why=exc.strerror or exc)
        ) from None
    if magic == SQLITE_MAGIC:
        return _Backup(file)
    if not is_events_export(file):
        raise InvalidInput(
            _("FILE: {file} is neither a SQLite backup nor an events export").format(file=file)
        )
    return _Export(file)


def check_empty(db: Database) -> None:
    """Refuse to restore into books that hold anything: a restore is the whole log."""
    events = db.scalar("SELECT count(*) FROM events") or 0
    people = db.scalar("SELECT count(*) FROM applicants") or 0
    if events or people:
        raise InvalidInput(
            _(
                "--db: the database holds {events} events and {people} applicants; a restore goes "
                "only into an empty database (run `ledger init` on a new one)"
            ).format(events=events, people=people)
        )


def restore(store: EventStore, file: Path) -> Restored:
    """Put a backup or an events export back into an empty database, exactly.

    One transaction, holding the append lock, and one read of the file: each page of
    events is written, then its chain checked and its recorded deadlines re-derived
    (``walk_rows``, the pass ``ledger verify`` makes), the applicants and texts written
    in batches as they come. Then the database's own chain and deadline audit, and the
    projections built. A check that fails anywhere rolls everything back: the database
    stays empty. Memory holds a page and the audit's open requests, not the log.
    """
    source = _source(file)
    try:
        with store.db.batch():
            check_empty(store.db)
            loader = _Loader(store, store.db.connection())
            chain, auditor = ChainWalk(store.chain_key), DeadlineAuditor(store)
            walk_rows(loader.passing(source.rows(loader), chain), chain, auditor)
            _check_source(source, chain.result(), loader.head, store.chain_key)
            _check_audit(auditor.result())
            loader.finish()
            refresh_statistics(store)  # the texts the rebuild opens, the log verify reads
            verification = _verify(store)
            rebuild_projections(store)  # and their statistics, committed with the rest
    finally:
        source.close()
    settle_tables(store)
    return Restored(loader.events, loader.applicants, loader.head, verification)


def _check_source(source: Source, check: ChainCheck, last: str, key: ChainKey | None) -> None:
    """The source's chain intact to its end (a break named by walking it again, as
    ``chain_breaks`` names it), and an export's head line there and equal to its end."""
    where = str(source.file)
    if check.broken_at is not None or check.unchecked:
        check = chain_breaks(((r[0], raw_fields(r), r[11]) for r in source.rows()), key)
    if check.broken_at is not None:
        raise IntegrityFailure(
            _("{where}: position {broken_at}: {reason}; nothing was restored").format(
                where=where, broken_at=check.broken_at, reason=check.reason
            )
        )
    if check.unchecked:
        raise ChainUnchecked(
            _(
                "{where}: the chain is keyed from position {position} on; set {variable} to "
                "the key to restore it; nothing was restored"
            ).format(where=where, position=check.keyed_from, variable=KEY_ENV)
        )
    if isinstance(source, _Export):
        if source.tail is None:
            raise InvalidInput(
                _("{file}: no chain head line at the end; the export is incomplete").format(
                    file=where
                )
            )
        if (check.verified, last) != source.tail:
            raise IntegrityFailure(
                _(
                    "{file}: the chain head {head} does not match the last event ({verified} "
                    "events); the export is incomplete"
                ).format(file=where, head=source.tail[0], verified=check.verified)
            )


def _check_audit(audit: DeadlineAudit) -> None:
    """Every deadline the source recorded re-derived from the events before it."""
    wrong = audit.mismatches
    if wrong:
        refusal = ngettext(
            "{count} recorded deadline disagrees with the log: {first}; nothing was restored",
            "{count} recorded deadlines disagree with the log: {first}; nothing was restored",
            audit.wrong,
        )
        raise IntegrityFailure(refusal.format(count=audit.wrong, first="; ".join(wrong[:5])))


def _seal_clear(person: dict[str, Any]) -> bytes:
    """Seal an applicant row written in clear (before revision 0002) with a fresh key."""
    key = new_key()
    who = Applicant(**{c: person.get(c) for c in PERSONAL})
    person.update({c: seal(key, person.get(c)) for c in PERSONAL}, **match_digests(who))
    return key


def _verify(store: EventStore) -> Verification:
    """Verify the restored books as `ledger verify` does (inside the restore's transaction)."""
    checked = verify_log(store)
    problem = checked.deadline_problem()
    if problem is not None:
        raise IntegrityFailure(
            _("the restored log fails the deadline audit: {problem}").format(problem=problem)
        )
    return checked
