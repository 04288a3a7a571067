"""Several desks receiving at once: assigned ids never collide and nothing is refused."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date

import pytest

from ledger.bootstrap import bootstrap
from ledger.projections.views import all_requests

DESKS = 3
EACH = 8


def _desk(url: str, n: int) -> None:
    """Receive EACH requests without ids, as a clerk at desk ``n`` would."""
    from ledger.commands._context import Desk
    from ledger.commands.requests import RecordReceipt, record_receipt

    app = bootstrap(url, actor=f"desk-{n}", ensure=False)
    desk = Desk(app.store, f"desk-{n}", "jyj", date(2021, 3, 31))
    for _ in range(EACH):
        record_receipt(desk, RecordReceipt(date(2021, 3, 1), "in-person", "natural"))
    app.close()


def _run(url: str) -> list[str]:
    bootstrap(url).close()
    ctx = mp.get_context("spawn")
    desks = [ctx.Process(target=_desk, args=(url, n)) for n in range(DESKS)]
    for p in desks:
        p.start()
    for p in desks:
        p.join(120)
        assert p.exitcode == 0
    app = bootstrap(url, ensure=False)
    ids = sorted(s.id for s in all_requests(app.store))
    app.close()
    return ids


EXPECTED = [f"jyj-2021-{n:04d}" for n in range(1, DESKS * EACH + 1)]


@pytest.mark.slow
def test_assigned_ids_are_unique_on_sqlite(sqlite_url: str) -> None:
    """Desks racing for the next id on one SQLite file get 0001…N, each once."""
    assert _run(sqlite_url) == EXPECTED


@pytest.mark.slow
@pytest.mark.postgres
def test_assigned_ids_are_unique_on_postgres(pg_url: str) -> None:
    """Desks racing for the next id on PostgreSQL get 0001…N, each once."""
    assert _run(pg_url) == EXPECTED
