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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledger.applicants import PERSONAL, Applicant, match_digests, new_key, seal
from ledger.db import create_engine
from ledger.errors import ChainUnchecked, IntegrityFailure, InvalidInput
from ledger.events import codec
from ledger.events.chainkey import KEY_ENV, MARKER, ChainKey
from ledger.events.memory import MemoryStore
from ledger.events.schema import ApplicantKeyRow, ApplicantRow, EventRow, TextKeyRow, TextRow
from ledger.events.store import ANY, EventStore, NewEvent, chain_breaks
from ledger.events.types import decode_event, upcast
from ledger.i18n import _, ngettext
from ledger.projections.audit import audit_deadlines
from ledger.projections.log import Verification, verify_log

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


Rows = Iterator[dict[str, Any]]


def _export_rows(file: Path) -> tuple[Rows, Rows, Rows]:
    """The events, the applicants and the texts of an events export (a read of the file each)."""

    def events() -> Iterator[dict[str, Any]]:
        for number, item in _lines(file):
            if "position" in item:
                yield _event_row(item, f"{file}:{number}")

    def kept(kind: str) -> Iterator[dict[str, Any]]:
        for _number, item in _lines(file):
            if kind in item:
                row = dict(item[kind])
                for key in ("created_at", "erased_at"):
                    row[key] = _as_datetime(row[key]) if row.get(key) else None
                row["key"] = base64.b64decode(row["key"]) if row.get("key") else None
                yield row

    return events(), kept("applicant"), kept("text")


def _event_row(item: dict[str, Any], where: str) -> dict[str, Any]:
    missing = [k for k in EVENT_KEYS if k not in item]
    if missing:
        raise InvalidInput(
            _("{where}: an event line needs {listed}").format(
                where=where, listed=", ".join(missing)
            )
        )
    row = {k: item[k] for k in EVENT_KEYS}
    try:
        row["effective_date"] = date.fromisoformat(str(item["effective_date"]))
        row["recorded_at"] = datetime.fromisoformat(str(item["recorded_at"]))
    except ValueError:
        raise InvalidInput(
            _("{where}: effective_date or recorded_at is not a date").format(where=where)
        ) from None
    return row


def _file_head(file: Path) -> tuple[int, str]:
    """The chain head an export ends with; refuses a file cut short."""
    head: dict[str, Any] | None = None
    for _number, item in _lines(file):
        if "chain_head" in item:
            head = item["chain_head"]
    if head is None:
        raise InvalidInput(
            _("{file}: no chain head line at the end; the export is incomplete").format(file=file)
        )
    return int(head["position"]), str(head["hash"])


def _source(file: Path) -> tuple[Engine | None, tuple[int, str] | None]:
    """A SQLite backup opened read-only, or None for an events export (with its head)."""
    try:
        with file.open("rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise InvalidInput(
            _("FILE: cannot read {file}: {why}").format(file=file, why=exc.strerror or exc)
        ) from None
    if magic == SQLITE_MAGIC:
        return create_engine(f"sqlite:///{file}", create=False), None
    if not is_events_export(file):
        raise InvalidInput(
            _("FILE: {file} is neither a SQLite backup nor an events export").format(file=file)
        )
    return None, _file_head(file)


def check_empty(engine: Engine) -> None:
    """Refuse to restore into books that hold anything: a restore is the whole log."""
    with engine.connect() as conn:
        events = conn.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar() or 0
        people = conn.execute(sa.select(sa.func.count()).select_from(APPLICANTS)).scalar() or 0
    if events or people:
        raise InvalidInput(
            _(
                "--db: the database holds {events} events and {people} applicants; a restore goes "
                "only into an empty database (run `ledger init` on a new one)"
            ).format(events=events, people=people)
        )


def restore(store: EventStore, file: Path) -> Restored:
    """Put a backup or an events export back into an empty database, exactly.

    The file's chain and deadline audit are checked before anything is written (all rows
    go in one transaction); the database's chain and deadline audit again after.
    """
    engine = store.engine
    check_empty(engine)
    source, head = _source(file)
    try:
        if source is not None:
            with source.connect() as conn:
                _check_chain(_event_rows(conn), str(file), store.chain_key)
            with source.connect() as conn:
                audit_source(_event_rows(conn))
            with source.connect() as conn:
                count, people, last = _insert(
                    engine, _event_rows(conn), _applicant_rows(conn), _text_rows(conn)
                )
        else:
            assert head is not None
            events, _applicants, _texts = _export_rows(file)
            checked = _check_chain(events, str(file), store.chain_key)
            if (checked.verified, head[1]) != (head[0], _last_hash(file)):
                raise IntegrityFailure(
                    _(
                        "{file}: the chain head {head} does not match the last event ({verified} "
                        "events); the export is incomplete"
                    ).format(file=file, head=head[0], verified=checked.verified)
                )
            audit_source(_export_rows(file)[0])
            events, applicants, texts = _export_rows(file)
            count, people, last = _insert(engine, events, applicants, texts)
    finally:
        if source is not None:
            source.dispose()
    return Restored(count, people, last, _verify(store))


def _last_hash(file: Path) -> str:
    last = codec.GENESIS
    for _number, item in _lines(file):
        if "position" in item:
            last = str(item["hash"])
    return last


def _check_chain(rows: Iterator[dict[str, Any]], where: str, key: ChainKey | None) -> Any:
    """Walk the source's chain before anything is written (a keyed part needs the key)."""
    checked = chain_breaks(((r["position"], _hashed(r), r["hash"]) for r in rows), key)
    if checked.broken_at is not None:
        raise IntegrityFailure(
            _("{where}: position {broken_at}: {reason}; nothing was restored").format(
                where=where, broken_at=checked.broken_at, reason=checked.reason
            )
        )
    if checked.unchecked:
        raise ChainUnchecked(
            f"{where}: the chain is keyed from position {checked.keyed_from} on; set "
            f"{KEY_ENV} to the key to restore it; nothing was restored"
        )
    return checked


def _hashed(row: dict[str, Any]) -> dict[str, Any]:
    fields = dict(row)
    if isinstance(fields["data"], str):
        fields["data"] = codec.loads(fields["data"])
    return fields


def _insert(engine: Engine, events: Rows, applicants: Rows, texts: Rows) -> tuple[int, int, str]:
    """Insert the rows as they are, in one transaction: all of them or none."""
    statement = _insert_statement(engine)
    count, people, last = 0, 0, codec.GENESIS
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for event in events:
            data = event["data"]
            row = {k: v for k, v in event.items() if k != "data"}
            row["data_text"] = data if isinstance(data, str) else codec.dumps(data)
            batch.append(row)
            count, last = count + 1, row["hash"]
            if len(batch) >= INSERT_BATCH:
                conn.execute(statement, batch)
                batch = []
        if batch:
            conn.execute(statement, batch)
        for person in applicants:
            key = person.pop("key", None)
            if key is None and person.get("erased_at") is None:
                key = _seal_clear(person)  # a file from before applicants were sealed
            conn.execute(APPLICANTS.insert().values(**person))
            if key is not None:
                conn.execute(KEYS.insert().values(ref=person["ref"], key=bytes(key)))
            people += 1
        _insert_texts(conn, texts)
    return count, people, last


def _insert_texts(conn: Connection, texts: Rows) -> None:
    """Put the texts back, and each request's key once (every text of it carries it)."""
    owners: set[str] = set()
    for text in texts:
        key = text.pop("key", None)
        conn.execute(TEXTS.insert().values(**text))
        if key is not None and text["owner"] not in owners:
            conn.execute(TEXT_KEYS.insert().values(owner=text["owner"], key=bytes(key)))
            owners.add(text["owner"])


def _seal_clear(person: dict[str, Any]) -> bytes:
    """Seal an applicant row written in clear (before revision 0002) with a fresh key."""
    key = new_key()
    who = Applicant(**{c: person.get(c) for c in PERSONAL})
    person.update({c: seal(key, person.get(c)) for c in PERSONAL}, **match_digests(who))
    return key


def _insert_statement(engine: Engine) -> sa.Insert:
    """An INSERT of every column, the payload given as its JSON text."""
    data: Any = sa.bindparam("data_text", type_=sa.Text)
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB

        data = sa.cast(data, JSONB)
    columns: dict[str, Any] = {c.name: sa.bindparam(c.name) for c in EVENTS.c if c.name != "data"}
    statement: sa.Insert = EVENTS.insert().values(data=data, **columns)
    return statement


def audit_source(rows: Iterator[dict[str, Any]]) -> None:
    """Re-derive the source's recorded deadlines on a copy in memory, before writing: the
    log cannot be taken out of a database again (its triggers refuse DELETE)."""
    memory = MemoryStore(copy=True)
    for row in rows:
        if row["type"] == MARKER:  # no deadline rests on it; replaying it would need the key
            continue
        data = codec.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        event = decode_event(row["type"], upcast(row["type"], row["schema_version"], data))
        memory.append(
            row["stream_id"], [NewEvent(event, row["effective_date"])],
            expected_version=ANY, actor=row["actor"], agency=row["agency"],
        )  # fmt: skip
    audit = audit_deadlines(memory)
    wrong = audit.mismatches
    if wrong:
        refusal = ngettext(
            "{count} recorded deadline disagrees with the log: {first}; nothing was restored",
            "{count} recorded deadlines disagree with the log: {first}; nothing was restored",
            audit.wrong,
        )
        raise IntegrityFailure(refusal.format(count=audit.wrong, first="; ".join(wrong[:5])))


def _verify(store: EventStore) -> Verification:
    """Verify the restored books as `ledger verify` does."""
    checked = verify_log(store)
    problem = checked.deadline_problem()
    if problem is not None:
        raise IntegrityFailure(
            _("the restored log fails the deadline audit: {problem}").format(problem=problem)
        )
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE events")
            conn.exec_driver_sql("ANALYZE applicants")
            conn.commit()
    return checked
