"""The CPU a desk command costs in-process, without the fsync (issue 12).

At ``synchronous=FULL`` a desk command's time on a busy disk is its fsync, the same for
ledger and the peer; on an idle disk it is mostly CPU. This times K receipts and K
decisions of ``bench_store.py`` with the commit's flush off (SQLite ``synchronous=OFF``,
PostgreSQL ``synchronous_commit=off``) and prints, per command, the process's CPU time
and the wall time, medians of the rounds; on SQLite the same for ``eventsourcing`` (its
connection's pragma set the same way).

    .venv/bin/python bench/desk_cpu.py --requests 400 --rounds 3
    .venv/bin/python bench/desk_cpu.py --pg postgresql://postgres@127.0.0.1:5432/postgres

To compare two trees, run it alternately with ``PYTHONPATH=<other tree>/src``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench_store import (  # bench/ is the script's folder, first on sys.path
    ledger_app,
    ledger_create,
    ledger_decide,
    peer_app,
    peer_create,
    peer_decide,
    pg_database,
)


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """CPU and wall seconds of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def ledger_round(url: str, k: int, got: dict[str, list[float]]) -> None:
    app, desk = ledger_app(url, "OFF")
    if app.db.dialect == "postgresql":
        app.db.connection().execute("SET synchronous_commit = off")
    warm = [f"W-{uuid.uuid4().hex[:6]}-{i:05d}" for i in range(k // 4)]
    ledger_create(desk, warm)
    ledger_decide(desk, warm)
    ids = [f"B-{uuid.uuid4().hex[:6]}-{i:05d}" for i in range(k)]
    for what, run in (("create", ledger_create), ("decide", ledger_decide)):
        cpu, wall = timed(lambda run=run: run(desk, ids))
        got.setdefault(f"ledger {what} cpu", []).append(cpu / k)
        got.setdefault(f"ledger {what} wall", []).append(wall / k)
    app.close()


def peer_round(
    path: Path | None, k: int, got: dict[str, list[float]], url: str = ""
) -> None:
    """The peer's K creates and K decisions, CPU and wall per command: on SQLite at
    ``path`` with the flush off, else in the PostgreSQL database at ``url`` as the server
    is set."""
    peer = peer_app(url, path)
    if path is not None:
        with peer.recorder.datastore.get_connection(commit=False) as conn:
            conn._sqlite_conn.execute("PRAGMA synchronous = OFF")
    ids: list[object] = []
    cpu, wall = timed(lambda: ids.extend(peer_create(peer, k)[1]))
    got.setdefault("peer create cpu", []).append(cpu / k)
    got.setdefault("peer create wall", []).append(wall / k)
    cpu, wall = timed(lambda: peer_decide(peer, ids))
    got.setdefault("peer decide cpu", []).append(cpu / k)
    got.setdefault("peer decide wall", []).append(wall / k)
    peer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="K: commands of each kind")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", help="PostgreSQL admin URL (a bench database is made and dropped)")
    args = parser.parse_args()
    got: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="ledger-cpu-") as folder:
        work = Path(folder)
        for r in range(args.rounds):
            if args.pg:
                with pg_database(args.pg) as url:
                    ledger_round(url, args.requests, got)
            else:
                ledger_round(f"sqlite:///{work / f'ledger-{r}.db'}", args.requests, got)
                peer_round(work / f"peer-{r}.db", args.requests, got)
    print(f"per command, flush off, K={args.requests}, medians of {args.rounds}:")
    for name, values in got.items():
        print(f"  {name:20} {statistics.median(values) * 1e6:7.0f} us")


if __name__ == "__main__":
    main()
