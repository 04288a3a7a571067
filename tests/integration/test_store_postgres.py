"""What the store does on PostgreSQL alone: statistics after bulk loads, least-privilege roles."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from ledger.bootstrap import bootstrap
from ledger.commands.requests import RecordReceipt, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import StoreUnavailable
from ledger.events.store import ANALYZE_AFTER, ANALYZE_SHARE, NO_STREAM, NewEvent, StreamAppend
from ledger.projections.tables import rebuild_projections
from tests.probe_events import Noted

pytestmark = pytest.mark.postgres
DAY = date(2021, 3, 1)


def _reltuples(url: str, table: str = "events") -> float:
    with psycopg.connect(url) as conn:
        query = "SELECT reltuples FROM pg_class WHERE relname = %s"
        row = conn.execute(query, (table,)).fetchone()
    assert row is not None
    return float(row[0])


def test_a_bulk_append_refreshes_the_statistics(pg_url: str) -> None:
    """After an append of more than ANALYZE_AFTER events the planner knows the table's size."""
    app = bootstrap(pg_url)
    try:
        app.store.append("s-0", [NewEvent(Noted(text="x"), DAY)], expected_version=NO_STREAM,
                         actor="x", agency="a")  # fmt: skip
        assert _reltuples(pg_url) < 1  # small appends leave statistics to autovacuum
        batches = [
            StreamAppend(f"s-{i}", [NewEvent(Noted(text=str(i)), DAY)], expected_version=NO_STREAM)
            for i in range(1, ANALYZE_AFTER + 2)
        ]
        app.store.append_many(batches, actor="x", agency="a")
        assert _reltuples(pg_url) == ANALYZE_AFTER + 2
    finally:
        app.close()


def test_a_projection_rebuild_refreshes_the_statistics(pg_url: str) -> None:
    """`ledger projections rebuild` rewrites every request row: the planner then knows the
    table's size instead of guessing (reltuples is -1 for a table never analyzed)."""
    app = bootstrap(pg_url, Config(backdate_days=3650), clock=FixedClock(DAY))
    try:
        for n in range(3):
            record_receipt(app.desk(), RecordReceipt(DAY, "in-person", "natural", f"R-{n}"))
        assert _reltuples(pg_url, "request_view") < 1
        rebuild_projections(app.store)
        assert _reltuples(pg_url, "request_view") == 3
    finally:
        app.close()


def test_a_bulk_append_small_beside_the_table_keeps_its_statistics(pg_url: str) -> None:
    """A bulk append under ANALYZE_SHARE of the counted rows leaves them to autovacuum
    (a large import loaded in batches is not analysed after every one)."""
    app = bootstrap(pg_url)

    def load(tag: str, count: int) -> None:
        batches = [
            StreamAppend(f"{tag}-{i}", [NewEvent(Noted(text=str(i)), DAY)],
                         expected_version=NO_STREAM)
            for i in range(count)
        ]  # fmt: skip
        app.store.append_many(batches, actor="x", agency="a")

    try:
        big = int((ANALYZE_AFTER + 1) / ANALYZE_SHARE) + 10
        load("big", big)
        assert _reltuples(pg_url) == big
        load("more", ANALYZE_AFTER + 1)
        assert _reltuples(pg_url) == big  # not analysed again
        load("most", big)
        assert _reltuples(pg_url) == 2 * big + ANALYZE_AFTER + 1  # it doubled the table
    finally:
        app.close()


@pytest.fixture
def roles(pg_url: str) -> Iterator[dict[str, str]]:
    """A desk role (INSERT and SELECT on the log) and a reporting role (SELECT only)."""
    bootstrap(pg_url).close()
    suffix = uuid.uuid4().hex[:8]
    names = {"desk": f"ledger_desk_{suffix}", "report": f"ledger_report_{suffix}"}
    grants = {
        "desk": [
            "GRANT SELECT, INSERT ON events TO {r}",
            "GRANT SELECT, INSERT, UPDATE ON applicants TO {r}",
            "GRANT SELECT ON alembic_version TO {r}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON request_view TO {r}",
            "GRANT SELECT, INSERT, UPDATE ON projection_checkpoints TO {r}",
        ],
        "report": [
            "GRANT SELECT ON events, applicants, alembic_version TO {r}",
            "GRANT SELECT ON request_view, projection_checkpoints TO {r}",
        ],
    }
    with psycopg.connect(pg_url, autocommit=True) as owner:
        for kind, role in names.items():
            owner.execute(f"CREATE ROLE {role} LOGIN")
            for grant in grants[kind]:
                owner.execute(grant.format(r=role))
    parts = urlsplit(pg_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    yield {k: urlunsplit(parts._replace(netloc=f"{r}@{host}")) for k, r in names.items()}
    with psycopg.connect(pg_url, autocommit=True) as owner:
        for role in names.values():
            owner.execute(f"DROP OWNED BY {role}")
            owner.execute(f"DROP ROLE {role}")


def test_a_desk_role_with_insert_and_select_appends(roles: dict[str, str]) -> None:
    """The advisory append lock needs no UPDATE right: an INSERT-and-SELECT role records."""
    desk = bootstrap(roles["desk"], create=False)
    try:
        result = desk.store.append("s-1", [NewEvent(Noted(text="a"), DAY)],
                                   expected_version=NO_STREAM, actor="x", agency="a")  # fmt: skip
        assert result.last_position == 1
        assert desk.store.verify_chain().broken_at is None
        with psycopg.connect(roles["desk"]) as conn, pytest.raises(psycopg.Error):
            conn.execute("UPDATE events SET actor = 'mallory'")
    finally:
        desk.close()


def test_a_reporting_role_reads_and_cannot_append(roles: dict[str, str]) -> None:
    """A SELECT-only role reads the log; its append is refused in one line."""
    report = bootstrap(roles["report"], create=False)
    try:
        assert list(report.store.read_all()) == []
        with pytest.raises(StoreUnavailable, match="permission denied") as refused:
            report.store.append("s-1", [NewEvent(Noted(text="a"), DAY)],
                                expected_version=NO_STREAM, actor="x", agency="a")  # fmt: skip
        assert "\n" not in str(refused.value)
    finally:
        report.close()
