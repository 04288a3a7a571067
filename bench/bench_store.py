"""The write path against its baselines, in one run (issues 12 and 13).

For each database (SQLite always; PostgreSQL when ``--pg`` reaches a server) it times

1. **desk commands in-process**, one transaction each: ledger's ``record_receipt``
   (create: a new stream of two events) and ``issue_decision`` (load the stream, decide,
   append one event) against the ``eventsourcing`` library (the ``bench`` extra) doing a
   new aggregate of two events and get + one event + save, at equal durability
   (SQLite WAL with ``synchronous=FULL``, PostgreSQL ``synchronous_commit=on``), and
   against raw driver code doing the same reads and insert under the same lock;
2. **batch append**: ``append_many`` of B events over B/10 new streams a transaction
   against raw ``executemany`` of the very rows it stored, and ``eventsourcing`` saving
   B/10 aggregates of ten events in one call;
3. on SQLite, the cost of ``synchronous=FULL`` against ``NORMAL`` for a desk command
   and a batch;
4. **whole processes**: ``ledger record receive`` and ``record decide`` against
   ``python -c "import sqlalchemy"`` and ``python -c "import ledger.cli"``.

Every figure is the median of ``--rounds`` rounds, the variants alternated within each
round; the ratios are printed beside them. Nothing is asserted.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/bench_store.py                          # SQLite only
    .venv/bin/python bench/bench_store.py --pg postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import ledger as ledger_package
from ledger.bootstrap import App, bootstrap
from ledger.commands._context import Desk
from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
from ledger.config import Config
from ledger.db import APPEND_LOCK
from ledger.events.store import NO_STREAM, NewEvent, StreamAppend
from ledger.events.types import Event, register

TODAY = date(2026, 6, 30)
FIRST = date(2026, 1, 5)
DECIDED = date(2026, 6, 1)
RECEIVED_AT_DESK = "2026-06-15"
"""The receipt date the whole-process runs type: within the days a desk may backdate."""


class Probe(Event):
    """A small event for the batch figures (as an import would append)."""

    type = "bench.probe"
    text: str


register(Probe)


def median_of(rounds: Sequence[float]) -> float:
    return statistics.median(rounds)


# --- ledger --------------------------------------------------------------------------------


def ledger_app(url: str, synchronous: str = "FULL") -> tuple[App, Desk]:
    """An app on ``url`` and a desk; on SQLite the connection's durability as asked."""
    app = bootstrap(url, Config(), actor="bench")
    if app.db.dialect == "sqlite":
        app.db.connection().execute(f"PRAGMA synchronous = {synchronous}")
    desk = Desk(app.store, "bench", "default", TODAY)
    _ = desk.calendar  # loaded once per command at the desk; kept out of the loop
    return app, desk


def ledger_create(desk: Desk, ids: Sequence[str]) -> float:
    start = time.perf_counter()
    for i, rid in enumerate(ids):
        record_receipt(
            desk, RecordReceipt(FIRST + timedelta(days=i % 100), "in-person", "natural", rid)
        )
    return time.perf_counter() - start


def ledger_decide(desk: Desk, ids: Sequence[str]) -> float:
    start = time.perf_counter()
    for rid in ids:
        issue_decision(desk, rid, DECIDED, "disclosed")
    return time.perf_counter() - start


def ledger_batch(app: App, size: int, tag: str) -> float:
    """One ``append_many`` of ``size`` events over size/10 new streams."""
    batches = [
        StreamAppend(
            f"probe-{tag}-{s}",
            [NewEvent(Probe(text=f"{s}-{e}"), FIRST) for e in range(10)],
            expected_version=NO_STREAM,
        )
        for s in range(size // 10)
    ]
    start = time.perf_counter()
    app.store.append_many(batches, actor="bench", agency="default")
    return time.perf_counter() - start


# --- raw drivers ---------------------------------------------------------------------------


class Raw:
    """The same reads and inserts as ledger's store, written straight on the driver."""

    def __init__(self, url: str, ddl_from: App) -> None:
        self.pg = ddl_from.db.dialect == "postgresql"
        if self.pg:
            import psycopg

            self.conn: Any = psycopg.connect(url, autocommit=True)
            self.conn.execute("SET synchronous_commit = on")
            self.table = f"raw_{uuid.uuid4().hex[:8]}"
            self.conn.execute(f"CREATE TABLE {self.table} (LIKE events INCLUDING ALL)")
        else:
            path = ddl_from.db.target.address + ".raw"
            self.conn = sqlite3.connect(path, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = FULL")
            self.table = "events"
            with closing(sqlite3.connect(ddl_from.db.target.address)) as src:
                for (sql,) in src.execute(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL"
                ):
                    self.conn.execute(sql)
        self.mark = "%s" if self.pg else "?"
        self.insert = f"INSERT INTO {self.table} VALUES ({', '.join([self.mark] * 12)})"
        self.begin = (
            f"BEGIN; SELECT pg_advisory_xact_lock({APPEND_LOCK})"
            if self.pg
            else ("BEGIN IMMEDIATE")
        )

    def q(self, text: str) -> str:
        return text.replace("?", self.mark).replace("events", self.table)

    def append(self, stream: str, rows: list[tuple[Any, ...]], read: bool) -> None:
        """Optionally read the stream; then lock, read head and version, insert, commit."""
        if read:
            self.conn.execute(
                self.q("SELECT * FROM events WHERE stream_id = ? ORDER BY version"), (stream,)
            ).fetchall()
        self.conn.execute(self.begin)
        head = self.conn.execute(
            self.q("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        ).fetchone()
        self.conn.execute(
            self.q("SELECT max(version) FROM events WHERE stream_id = ?"), (stream,)
        ).fetchone()
        position = head[0] if head else 0
        numbered = [(position + i + 1, *row[1:]) for i, row in enumerate(rows)]
        if len(numbered) == 1:
            self.conn.execute(self.insert, numbered[0])
        else:
            self.conn.cursor().executemany(self.insert, numbered)
        self.conn.execute("COMMIT")

    def batch(self, rows: list[tuple[Any, ...]]) -> float:
        """All rows in one transaction with ``executemany`` (positions shifted past the head)."""
        start = time.perf_counter()
        self.conn.execute(self.begin)
        head = self.conn.execute(self.q("SELECT max(position) FROM events")).fetchone()[0] or 0
        numbered = [(head + i + 1, *row[1:]) for i, row in enumerate(rows)]
        self.conn.cursor().executemany(self.insert, numbered)
        self.conn.execute("COMMIT")
        return time.perf_counter() - start

    def close(self) -> None:
        if self.pg:
            self.conn.execute(f"DROP TABLE {self.table}")
        self.conn.close()


def stored_rows(app: App, first: int, last: int) -> list[tuple[Any, ...]]:
    """Rows ledger stored, as plain tuples (the raw code inserts the same values)."""
    rows = app.db.fetch(
        "SELECT * FROM events WHERE position > ? AND position <= ? ORDER BY position",
        (first, last),
    )
    if app.db.dialect == "postgresql":
        from psycopg.types.json import Jsonb

        return [(*r[:5], Jsonb(r[5]), *r[6:]) for r in rows]
    return [tuple(r) for r in rows]


def raw_commands(raw: Raw, app: App, k: int) -> tuple[float, float]:
    """Create and load-decide-append, K each, with the rows of ledger's own commands."""
    rows = stored_rows(app, 0, app.store.last_position())
    creates = [r for r in rows if r[3] != "request.decision-issued"][: 2 * k]
    decides = [r for r in rows if r[3] == "request.decision-issued"][:k]
    salt = uuid.uuid4().hex[:6]
    start = time.perf_counter()
    for i in range(0, len(creates), 2):
        pair = [(*r[:1], f"{r[1]}-{salt}", *r[2:]) for r in creates[i : i + 2]]
        raw.append(pair[0][1], pair, read=True)  # ledger reads the new stream too
    created = time.perf_counter() - start
    start = time.perf_counter()
    for r in decides:
        raw.append(f"{r[1]}-{salt}", [(*r[:1], f"{r[1]}-{salt}", *r[2:])], read=True)
    return created, time.perf_counter() - start


# --- eventsourcing -------------------------------------------------------------------------


@cache
def peer_classes() -> tuple[Any, Any]:
    """The peer's application and aggregate (imported only when the bench runs)."""
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Request(Aggregate):
        @event("Received")
        def __init__(self, received_on: str, channel: str) -> None:
            self.received_on, self.channel, self.due, self.outcome = received_on, channel, "", ""

        @event("DeadlineSet")
        def set_deadline(self, due: str) -> None:
            self.due = due

        @event("Decided")
        def decide(self, outcome: str) -> None:
            self.outcome = outcome

        @event("Noted")
        def note(self, text: str) -> None:
            pass

    return Application, Request


def peer_app(url: str, sqlite_path: Path | None) -> Any:
    application, _ = peer_classes()
    if sqlite_path is not None:
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(sqlite_path)}
    else:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/"),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": parts.username or "postgres",
            "POSTGRES_PASSWORD": parts.password or "",
        }
    app = application(env=env)
    if sqlite_path is not None:
        # Equal durability: the library leaves SQLite's default, which must be FULL (2).
        with app.recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute("PRAGMA synchronous")
            level = cursor.fetchone()[0]
        if level != 2:
            raise SystemExit(f"eventsourcing runs SQLite at synchronous={level}, not FULL")
    return app


def peer_create(app: Any, k: int) -> tuple[float, list[Any]]:
    _, request = peer_classes()
    ids = []
    start = time.perf_counter()
    for i in range(k):
        r = request(received_on=str(FIRST + timedelta(days=i % 100)), channel="in-person")
        r.set_deadline(due="2026-02-01")
        app.save(r)
        ids.append(r.id)
    return time.perf_counter() - start, ids


def peer_decide(app: Any, ids: Sequence[Any]) -> float:
    start = time.perf_counter()
    for aggregate_id in ids:
        r = app.repository.get(aggregate_id)
        r.decide(outcome="disclosed")
        app.save(r)
    return time.perf_counter() - start


def peer_batch(app: Any, size: int) -> float:
    _, request = peer_classes()
    aggregates = []
    for _ in range(size // 10):
        r = request(received_on="2026-01-05", channel="x")
        for e in range(9):
            r.note(text=str(e))
        aggregates.append(r)
    start = time.perf_counter()
    app.save(*aggregates)
    return time.perf_counter() - start


# --- the run -------------------------------------------------------------------------------


@contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for the bench, dropped afterwards."""
    import psycopg

    name = f"ledger_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_problem(admin_url: str) -> str | None:
    """Why the PostgreSQL server cannot be used (None when it can)."""
    import psycopg

    try:
        psycopg.connect(admin_url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]
    return None


def line(name: str, rate: float, unit: str, ratios: dict[str, float] | None = None) -> None:
    extra = "".join(f"   {k} {v:5.2f}×" for k, v in (ratios or {}).items())
    print(f"  {name:44} {rate:10,.0f} {unit}{extra}")


def commands_and_batches(url: str, work: Path, k: int, size: int, rounds: int) -> None:
    """Figures 1–3 on one database."""
    sqlite = url.startswith("sqlite")
    got: dict[str, list[float]] = {}

    def keep(name: str, value: float) -> None:
        got.setdefault(name, []).append(value)

    for r in range(rounds):
        url_r = f"sqlite:///{work / f'ledger-{r}.db'}" if sqlite else url
        app, desk = ledger_app(url_r)
        ids = [f"B{r}-{uuid.uuid4().hex[:6]}-{i:05d}" for i in range(k)]
        keep("ledger create", k / ledger_create(desk, ids))
        keep("ledger decide", k / ledger_decide(desk, ids))
        peer = peer_app(url_r, work / f"peer-{r}.db" if sqlite else None)
        seconds, peer_ids = peer_create(peer, k)
        keep("peer create", k / seconds)
        keep("peer decide", k / peer_decide(peer, peer_ids))
        raw = Raw(url_r if not sqlite else "", app)
        created, decided = raw_commands(raw, app, k)
        keep("raw create", k / created)
        keep("raw decide", k / decided)
        before = app.store.last_position()
        keep("ledger batch", size / ledger_batch(app, size, f"{r}a"))
        rows = stored_rows(app, before, app.store.last_position())
        keep("raw batch", size / raw.batch(rows))
        keep("peer batch", size / peer_batch(peer, size))
        raw.close()
        peer.close()
        app.close()
        if sqlite:  # durability: the same work at synchronous=NORMAL
            normal, ndesk = ledger_app(f"sqlite:///{work / f'normal-{r}.db'}", "NORMAL")
            ids = [f"N{r}-{i:05d}" for i in range(k)]
            ledger_create(ndesk, ids)
            keep("ledger decide NORMAL", k / ledger_decide(ndesk, ids))
            keep("ledger batch NORMAL", size / ledger_batch(normal, size, f"{r}n"))
            normal.close()

    m = {name: median_of(values) for name, values in got.items()}
    print(f"\n  in-process desk commands (K={k}, one transaction each; medians of {rounds}):")
    for what in ("create", "decide"):
        line(f"ledger {what}", m[f"ledger {what}"], "/s", {
            "vs peer": m[f"ledger {what}"] / m[f"peer {what}"],
            "vs raw": m[f"ledger {what}"] / m[f"raw {what}"],
        })  # fmt: skip
        line(f"eventsourcing {what}", m[f"peer {what}"], "/s")
        line(f"raw driver {what}", m[f"raw {what}"], "/s")
    print(f"\n  batch append ({size} events over {size // 10} new streams, one transaction):")
    line("ledger append_many", m["ledger batch"], "events/s", {
        "vs raw": m["ledger batch"] / m["raw batch"],
        "vs peer": m["ledger batch"] / m["peer batch"],
    })  # fmt: skip
    line("raw executemany", m["raw batch"], "events/s")
    line("eventsourcing save(*aggregates)", m["peer batch"], "events/s")
    if sqlite:
        print("\n  durability on SQLite (synchronous FULL / NORMAL, the cost of FULL):")
        line("ledger decide at FULL", m["ledger decide"], "/s",
             {"FULL/NORMAL": m["ledger decide"] / m["ledger decide NORMAL"]})  # fmt: skip
        line("ledger decide at NORMAL", m["ledger decide NORMAL"], "/s")
        line("ledger batch at FULL", m["ledger batch"], "events/s",
             {"FULL/NORMAL": m["ledger batch"] / m["ledger batch NORMAL"]})  # fmt: skip
        line("ledger batch at NORMAL", m["ledger batch NORMAL"], "events/s")


def ledger_command() -> list[str]:
    script = Path(sys.executable).with_name("ledger")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ledger.cli"]


def processes(work: Path, n: int) -> None:
    """Figure 4: whole processes, alternated, medians of N.

    ledger's modules are compiled to bytecode first, as ``pip install`` does (and as a
    first run does unless ``PYTHONDONTWRITEBYTECODE`` is set): SQLAlchemy's were compiled
    when it was installed, so without this the comparison would time ledger's compiler.
    """
    compileall.compile_dir(Path(ledger_package.__file__).parent, quiet=1)
    db = work / "desk.db"
    env = {**os.environ, "LEDGER_DB": f"sqlite:///{db}", "LEDGER_TODAY": TODAY.isoformat()}
    env.pop("LEDGER_CONFIG", None)
    app, desk = ledger_app(f"sqlite:///{db}")
    ids = [f"P-{i:04d}" for i in range(n + 1)]
    ledger_create(desk, ids)
    app.close()
    ledger = ledger_command()
    variants: dict[str, Callable[[int], list[str]]] = {
        "ledger record receive": lambda i: [*ledger, "record", "receive", "--date",
                                            RECEIVED_AT_DESK, "--channel", "in-person",
                                            "--applicant", "natural"],
        "ledger record decide": lambda i: [*ledger, "record", "decide", ids[i], "--date",
                                           "2026-06-01", "--outcome", "disclosed"],
        "python -c 'import sqlalchemy'": lambda i: [sys.executable, "-c", "import sqlalchemy"],
        "python -c 'import ledger.cli'": lambda i: [sys.executable, "-c", "import ledger.cli"],
    }  # fmt: skip
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for i in range(n + 1):
        for name, argv in variants.items():
            wall, cpu = timed_process(name, argv(i), env)
            if i:  # the first round warms the file cache
                times[name].append((wall, cpu))
    base = times["python -c 'import sqlalchemy'"]
    base_wall = statistics.median(w for w, _ in base)
    base_cpu = statistics.median(c for _, c in base)
    print(f"\nwhole processes, wall and CPU time (median of {n}, alternated; bytecode compiled):")
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(
            f"  {name:32} wall {wall * 1000:6.0f} ms {wall / base_wall:5.2f}×"
            f"   cpu {cpu * 1000:5.0f} ms {cpu / base_cpu:5.2f}×   (/ import sqlalchemy)"
        )


def timed_process(name: str, argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """The wall time of one new process and its CPU time (user + system, from wait4)."""
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{name} failed: {errors.read().strip()}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="K: desk commands of each kind")
    parser.add_argument("--batch", type=int, default=2000, help="B: events in the batch append")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are printed)")
    parser.add_argument("--runs", type=int, default=10, help="N: processes of each kind")
    parser.add_argument("--pg", help="PostgreSQL admin URL (a bench database is made and dropped)")
    parser.add_argument(
        "--only", choices=["processes"], help="run only this part (processes: figure 4)"
    )
    args = parser.parse_args()
    print(
        f"ledger store bench — {time.strftime('%Y-%m-%d')}, {platform.machine()} "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as folder:
        work = Path(folder)
        if args.only == "processes":
            processes(work, args.runs)
            return
        print("\nSQLite (WAL, synchronous=FULL for all three):")
        commands_and_batches("sqlite", work, args.requests, args.batch, args.rounds)
        problem = pg_problem(args.pg) if args.pg else "no --pg given"
        if args.pg and problem is None:
            with pg_database(args.pg) as url:
                print("\nPostgreSQL (synchronous_commit=on for all three):")
                commands_and_batches(url, work, args.requests, args.batch, args.rounds)
        else:
            print(f"\nPostgreSQL skipped: {problem}")
        processes(work, args.runs)


if __name__ == "__main__":
    main()
