"""The floor of a desk command on SQLite: its own statements, replayed by raw ``sqlite3``.

A desk command writes more than its events: the request's row in ``request_view`` (kept
in the same transaction, with the indexes the reads at 1,000,000 requests need) and the
projection's checkpoint. This records every statement (text and parameters) ledger's
``record_receipt`` and ``issue_decision`` send to SQLite for K requests, replays them on
a copy of the same file, before the commands, with plain ``sqlite3`` (the same prepared
statement cache, each command its own transaction as recorded), and prints the CPU per
command of: ledger itself (a third copy, nothing recorded), the replay (what SQLite
alone costs for ledger's writes and reads: no Python of ledger's at all), and the
``eventsourcing`` library's create and get + one event + save. The flush is off in all
three (``synchronous=OFF``), as in ``desk_cpu.py``: what remains is CPU.

If the replay alone costs as much as the peer's whole command, no Python of ledger's,
however lean, can bring the command to the peer's rate with those rows and indexes.

With ``--pg`` the same on PostgreSQL, at the server's durability (``synchronous_commit``
on, for all three), wall and CPU: the copies are databases made from one template, and
the replay sends each command's statements in one pipeline (``psycopg``), its reads
before ``BEGIN`` too — fewer waits than ledger makes, so a floor still.

    .venv/bin/python bench/desk_floor.py --requests 400 --rounds 3
    .venv/bin/python bench/desk_floor.py --requests 300 --rounds 3 --pg postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_store import (  # bench/ is the script's folder, first on sys.path
    ledger_app,
    ledger_create,
    ledger_decide,
    pg_database,
)
from desk_cpu import peer_round

Statement = tuple[str, str, Any]
"""How it was sent (``execute`` or ``executemany``), the text, the parameters."""


class Recording:
    """A ``sqlite3`` connection's stand-in that keeps what it is sent, per command."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.commands: list[list[Statement]] = []
        self.pending: list[Statement] = []  # a command's reads come before its BEGIN

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self.pending.append(("execute", sql, params))
        if sql == "COMMIT":
            self.commands.append(self.pending)
            self.pending = []
        return self._conn.execute(sql, params)

    def cursor(self) -> Recording._Cursor:
        return Recording._Cursor(self, self._conn.cursor())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    class _Cursor:
        def __init__(self, owner: Recording, cursor: sqlite3.Cursor) -> None:
            self._owner, self._cursor = owner, cursor

        def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
            rows = list(rows)
            self._owner.pending.append(("executemany", sql, rows))
            return self._cursor.executemany(sql, rows)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._cursor, name)


def recorded(url: str, ids: list[str], run: Callable[..., object]) -> list[list[Statement]]:
    """The statements of ``run`` over ``ids`` on the database at ``url``, per command."""
    app, desk = ledger_app(url, "OFF")
    real = app.db.connection()
    recording = Recording(real)
    app.db._local.conn = recording  # the probe: every statement the desk sends
    try:
        run(desk, ids)
    finally:
        app.db._local.conn = real
        app.close()
    return recording.commands


def replayed(path: Path, commands: list[list[Statement]]) -> float:
    """CPU seconds per command of the statements replayed on the file at ``path``."""
    conn = sqlite3.connect(path, isolation_level=None, cached_statements=256)
    conn.execute("PRAGMA synchronous = OFF")
    started = time.process_time()
    for statements in commands:
        for how, sql, params in statements:
            if how == "execute":
                conn.execute(sql, params).fetchall()
            else:
                conn.cursor().executemany(sql, params)
    spent = time.process_time() - started
    conn.close()
    return spent / len(commands)


def ledger_cost(url: str, ids: list[str], run: Callable[..., object]) -> tuple[float, float]:
    """CPU and wall seconds per command of ledger itself on the database at ``url``."""
    app, desk = ledger_app(url, "OFF")
    cpu, wall = time.process_time(), time.perf_counter()
    run(desk, ids)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    app.close()
    return cpu / len(ids), wall / len(ids)


def replayed_pg(url: str, commands: list[list[Statement]]) -> tuple[float, float]:
    """CPU and wall seconds per command of the statements replayed on PostgreSQL, each
    command's in one pipeline."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cpu, wall = time.process_time(), time.perf_counter()
        for statements in commands:
            with conn.pipeline():
                for how, sql, params in statements:
                    if how == "execute":
                        conn.execute(sql, params)
                    else:
                        conn.cursor().executemany(sql, params)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / len(commands), wall / len(commands)


def copies(base: Path, names: tuple[str, ...]) -> list[Path]:
    """Copies of a checkpointed file (its WAL emptied into it first)."""
    with sqlite3.connect(base) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    made = []
    for name in names:
        target = base.with_name(name)
        shutil.copyfile(base, target)
        made.append(target)
    return made


def one_round(folder: Path, k: int, got: dict[str, list[float]]) -> None:
    base = folder / f"base-{uuid.uuid4().hex[:6]}.db"
    app, desk = ledger_app(f"sqlite:///{base}", "OFF")
    warm = [f"W-{i:05d}" for i in range(k // 4)]
    ledger_create(desk, warm)
    ledger_decide(desk, warm)
    app.close()
    ids = [f"B-{i:05d}" for i in range(k)]
    for what, run in (("create", ledger_create), ("decide", ledger_decide)):
        rec, raw, own = copies(base, (f"rec-{what}.db", f"raw-{what}.db", f"own-{what}.db"))
        commands = recorded(f"sqlite:///{rec}", ids, run)
        got.setdefault(f"ledger {what}", []).append(ledger_cost(f"sqlite:///{own}", ids, run)[0])
        got.setdefault(f"replay {what}", []).append(replayed(raw, commands))
        got.setdefault(f"statements {what}", []).append(
            statistics.mean(len(c) for c in commands)
        )
        if what == "create":  # the next kind starts from the requests received
            for path in (rec, raw, own):
                path.unlink()
            base_app, base_desk = ledger_app(f"sqlite:///{base}", "OFF")
            ledger_create(base_desk, ids)
            base_app.close()
    peer = folder / f"peer-{uuid.uuid4().hex[:6]}.db"
    peer_round(peer, k, got)


def pg_round(admin: str, k: int, got: dict[str, list[float]]) -> None:
    """``one_round`` on PostgreSQL: copies made from a template database, wall and CPU."""
    import psycopg

    def copy_of(base_url: str, name: str) -> str:
        template = base_url.rpartition("/")[2]
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return f"{admin.rpartition('/')[0]}/{name}"

    with pg_database(admin) as base_url:
        app, desk = ledger_app(base_url)
        warm = [f"W-{i:05d}" for i in range(k // 4)]
        ledger_create(desk, warm)
        ledger_decide(desk, warm)
        app.close()
        ids = [f"B-{i:05d}" for i in range(k)]
        made: list[str] = []
        try:
            for what, run in (("create", ledger_create), ("decide", ledger_decide)):
                tag = base_url.rpartition("_")[2]
                urls = [copy_of(base_url, f"floor_{tag}_{n}_{what}") for n in ("rec", "raw", "own")]
                made += [u.rpartition("/")[2] for u in urls]
                commands = recorded(urls[0], ids, run)
                for name, (cpu, wall) in (
                    (f"ledger {what}", ledger_cost(urls[2], ids, run)),
                    (f"replay {what}", replayed_pg(urls[1], commands)),
                ):
                    got.setdefault(f"{name} cpu", []).append(cpu)
                    got.setdefault(f"{name} wall", []).append(wall)
                got.setdefault(f"statements {what}", []).append(
                    statistics.mean(len(c) for c in commands)
                )
                if what == "create":
                    base_app, base_desk = ledger_app(base_url)
                    ledger_create(base_desk, ids)
                    base_app.close()
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                for name in made:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with pg_database(admin) as peer_url:
        peer_round(None, k, got, peer_url)


def pg_report(got: dict[str, list[float]], k: int, rounds: int) -> None:
    print(f"PostgreSQL, per command, synchronous_commit on, K={k}, medians of {rounds}:")
    for what in ("create", "decide"):
        count = statistics.median(got[f"statements {what}"])
        print(f"  {what} ({count:.0f} statements)")
        peer_wall = statistics.median(got[f"peer {what} wall"])
        for who in ("ledger", "replay", "peer"):
            cpu = statistics.median(got[f"{who} {what} cpu"])
            wall = statistics.median(got[f"{who} {what} wall"])
            print(f"    {who:7} wall {wall * 1e6:6.0f} us ({wall / peer_wall:.2f} of the peer's)"
                  f"   cpu {cpu * 1e6:5.0f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="K: commands of each kind")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", help="PostgreSQL admin URL (bench databases made and dropped)")
    args = parser.parse_args()
    got: dict[str, list[float]] = {}
    if args.pg:
        for _ in range(args.rounds):
            pg_round(args.pg, args.requests, got)
        pg_report(got, args.requests, args.rounds)
        return
    with tempfile.TemporaryDirectory(prefix="ledger-floor-") as folder:
        for _ in range(args.rounds):
            one_round(Path(folder), args.requests, got)
    print(f"CPU per command, flush off, K={args.requests}, medians of {args.rounds}:")
    for what in ("create", "decide"):
        own = statistics.median(got[f"ledger {what}"])
        floor = statistics.median(got[f"replay {what}"])
        peer = statistics.median(got[f"peer {what} cpu"])
        count = statistics.median(got[f"statements {what}"])
        print(f"  {what}: ledger {own * 1e6:5.0f} us   its {count:.0f} statements replayed "
              f"by sqlite3 {floor * 1e6:5.0f} us ({floor / own:.2f} of ledger)   "
              f"eventsourcing {peer * 1e6:5.0f} us (replay / peer {floor / peer:.2f})")


if __name__ == "__main__":
    main()
