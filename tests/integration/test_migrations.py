"""Migrations create exactly the tables SQLModel declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ledger.db import open_database
from ledger.events.migrate import HEAD, upgrade
from ledger.events.schema import metadata


def test_migrations_create_exactly_the_declared_schema(tmp_path: object) -> None:
    """Upgrading an empty database yields the tables SQLModel declares, with no difference."""
    db = open_database(f"sqlite:///{tmp_path}/m.db")
    upgrade(db)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    db.close()
    assert diff == []


@pytest.mark.postgres
def test_migrations_create_the_declared_schema_on_postgres(pg_url: str) -> None:
    """On PostgreSQL too, the migrated schema equals the declaration, and init is idempotent."""
    db = open_database(pg_url)
    assert upgrade(db) == (None, HEAD)
    assert upgrade(db) == (HEAD, HEAD)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    db.close()
    assert diff == []


@pytest.mark.postgres
def test_stream_ids_compare_by_code_point_on_postgres(pg_url: str) -> None:
    """``events.stream_id`` has the "C" collation (0007), which Alembic's comparison does
    not see: without it a prefix of stream ids is a full index scan, and a range of ids in
    the database's collation would not hold every id that starts with the prefix."""
    db = open_database(pg_url)
    upgrade(db)
    query = (
        "SELECT collation_name FROM information_schema.columns WHERE table_name = 'events' "
        "AND column_name = 'stream_id' AND table_schema = ANY(current_schemas(false))"
    )
    assert db.scalar(query) == "C"
    explained = db.fetch("EXPLAIN SELECT DISTINCT stream_id FROM events WHERE stream_id >= ? "
                         "AND stream_id < ?", ("year-a-", "year-a."))  # fmt: skip
    db.close()
    assert "uq_events_stream_version" in " ".join(str(r[0]) for r in explained)
