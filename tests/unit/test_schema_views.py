"""The hot-path table views match the tables SQLModel declares, and migrations create them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ledger.applicants import APPLICANTS as APPLICANTS_VIEW
from ledger.db import create_engine
from ledger.events.migrate import upgrade
from ledger.events.schema import APPLICANTS, EVENTS, metadata
from ledger.events.store import EVENTS as EVENTS_VIEW


def _shape(columns: sa.ColumnCollection[str, sa.ColumnClause[object]]) -> list[tuple[str, type]]:
    return [(c.name, type(c.type)._type_affinity or type(c.type)) for c in columns]  # type: ignore[union-attr]


def test_events_view_matches_the_declaration() -> None:
    """The store's view of events has the declared columns, in order, with the same types."""
    assert _shape(EVENTS_VIEW.c) == _shape(EVENTS.c)


def test_applicants_view_matches_the_declaration() -> None:
    """The applicants view has the declared columns, in order, with the same types."""
    assert _shape(APPLICANTS_VIEW.c) == _shape(APPLICANTS.c)


def test_migrations_create_exactly_the_declared_schema(tmp_path: object) -> None:
    """Upgrading an empty database yields the tables SQLModel declares, with no difference."""
    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


@pytest.mark.postgres
def test_migrations_create_the_declared_schema_on_postgres(pg_url: str) -> None:
    """On PostgreSQL too, the migrated schema equals the declaration, and init is idempotent."""
    engine = create_engine(pg_url)
    assert upgrade(engine) == (None, "0001")
    assert upgrade(engine) == ("0001", "0001")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []
