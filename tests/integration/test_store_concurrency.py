"""Several processes append at once; the log stays gapless and a follower misses nothing."""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import Counter
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from ledger.bootstrap import bootstrap
from ledger.errors import ConcurrencyError
from ledger.events.store import NewEvent

WRITERS = 4
EACH = 20
TOTAL = WRITERS * EACH * 2


def _writer(url: str, worker: int) -> None:
    """Append EACH events to a shared stream (retrying on conflict) and to an own stream."""
    from tests.probe_events import Noted

    app = bootstrap(url, actor=f"w{worker}", ensure=False)
    for i in range(EACH):
        new = NewEvent(Noted(text=f"w{worker}-{i}"), date(2020, 1, 2))
        while True:
            version = app.store.stream_version("shared")
            try:
                app.store.append("shared", [new], expected_version=version, actor="w", agency="a")
                break
            except ConcurrencyError:
                continue
        own = app.store.stream_version(f"own-{worker}")
        app.store.append(
            f"own-{worker}",
            [new],
            expected_version=own,
            command_id=f"own-{worker}-{i}",
            actor="w",
            agency="a",
        )
    app.close()


def _follower(url: str, out: Any) -> None:
    """Follow the log by position until every event has been seen (or time runs out)."""
    import tests.probe_events  # noqa: F401  (registers the event type in this process)

    app = bootstrap(url, ensure=False)
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while len(seen) < TOTAL and time.monotonic() < deadline:
        after = seen[-1] if seen else 0
        seen.extend(e.position for e in app.store.read_all(after, batch=7))
        time.sleep(0.005)
    app.close()
    out.put(seen)


def _run(url: str) -> list[int]:
    bootstrap(url).close()  # create the schema once, before the race
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    follower = ctx.Process(target=_follower, args=(url, out))
    writers = [ctx.Process(target=_writer, args=(url, w)) for w in range(WRITERS)]
    follower.start()
    for p in writers:
        p.start()
    for p in writers:
        p.join(180)
        assert p.exitcode == 0
    seen: list[int] = out.get(timeout=180)
    follower.join(30)
    return seen


def _check(url: str, seen: list[int]) -> None:
    app = bootstrap(url, ensure=False)
    with app.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT position, stream_id, version FROM events")).all()
    app.close()
    positions = sorted(r[0] for r in rows)
    assert positions == list(range(1, TOTAL + 1))
    by_stream: dict[str, list[int]] = {}
    for _, stream, version in rows:
        by_stream.setdefault(stream, []).append(version)
    assert sorted(by_stream["shared"]) == list(range(1, WRITERS * EACH + 1))
    for w in range(WRITERS):
        assert sorted(by_stream[f"own-{w}"]) == list(range(1, EACH + 1))
    assert seen == list(range(1, TOTAL + 1))
    assert max(Counter(seen).values()) == 1


@pytest.mark.slow
def test_concurrent_appends_on_sqlite(sqlite_url: str) -> None:
    """Processes appending to one SQLite file store every event once, without holes."""
    _check(sqlite_url, _run(sqlite_url))


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_appends_on_postgres(pg_url: str) -> None:
    """Processes appending to PostgreSQL store every event once, in gapless commit order."""
    _check(pg_url, _run(pg_url))
