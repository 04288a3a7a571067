"""The store contract on the databases: SQLite files and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ledger.bootstrap import bootstrap
from ledger.events.schema import drop_trigger_ddl
from ledger.events.store import NO_STREAM, ChainCheck, EventStore, Store
from tests.store_contract import StoreContract, note


class SqlStoreContract(StoreContract):
    """The contract, and what only a database adds: triggers that refuse changes."""

    @pytest.fixture
    def url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def store(self, url: str) -> Iterator[Store]:
        app = bootstrap(url, actor="desk-1")
        yield app.store
        app.close()

    def tamper(self, store: Store, position: int, data_text: str) -> None:
        assert isinstance(store, EventStore)
        with store.engine.begin() as conn:
            for statement in drop_trigger_ddl(store.dialect):
                conn.execute(sa.text(statement))
            conn.execute(
                sa.text("UPDATE events SET data = :d WHERE position = :p"),
                {"d": data_text, "p": position},
            )

    def test_update_and_delete_are_refused_by_the_database(self, store: Store) -> None:
        """Raw UPDATE and DELETE statements on events fail through the triggers."""
        assert isinstance(store, EventStore)
        store.append("s-1", [note("a")], expected_version=NO_STREAM, actor="x", agency="a")
        for statement in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events"):
            with pytest.raises(sa.exc.DBAPIError, match="immutable"), store.engine.begin() as conn:
                conn.execute(sa.text(statement))
        assert store.read_stream("s-1")[0].actor == "x"

    def test_a_forged_event_far_past_the_head_is_found_at_once(self, store: Store) -> None:
        """Paged reads jump a hole in the positions: verify names it without walking it."""
        assert isinstance(store, EventStore)
        store.append("s-1", [note("a")], expected_version=NO_STREAM, actor="x", agency="a")
        with store.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO events SELECT 10000000000, 'forged', 1, type, schema_version,"
                    " data, effective_date, recorded_at, actor, agency, NULL, hash"
                    " FROM events WHERE position = 1"
                )
            )
        assert [e.position for e in store.read_all(batch=10)] == [1, 10_000_000_000]
        assert store.verify_chain() == ChainCheck(1, 2, "deleted: position 2 is missing")


class TestSQLiteStore(SqlStoreContract):
    """The contract on a SQLite file."""

    @pytest.fixture
    def url(self, sqlite_url: str) -> str:
        return sqlite_url


@pytest.mark.postgres
class TestPostgresStore(SqlStoreContract):
    """The contract on a fresh PostgreSQL database."""

    @pytest.fixture
    def url(self, pg_url: str) -> str:
        return pg_url
