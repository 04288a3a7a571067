"""The store contract: every backend must pass the same tests (SQLite file, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from ledger.bootstrap import App, bootstrap
from ledger.errors import ConcurrencyError, InvalidInput
from ledger.events.schema import drop_trigger_ddl
from ledger.events.store import ANY_VERSION, NewEvent, StreamAppend
from ledger.events.types import Event, parse_event, register, register_upcaster
from tests.probe_events import Noted

DAY = date(2020, 3, 2)


def note(text: str, amount: str = "0") -> NewEvent:
    return NewEvent(Noted(text=text, amount=amount), DAY)


def count(app: App) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM events")).scalar() or 0)


class StoreContract:
    """Behaviour every store backend must show; subclasses say which database."""

    @pytest.fixture
    def url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def app(self, url: str) -> Iterator[App]:
        app = bootstrap(url, actor="desk-1")
        yield app
        app.close()

    def test_round_trip(self, app: App) -> None:
        """What is appended reads back identically, by stream and in global order."""
        result = app.store.append(
            "s-1", [note("一", "1.50"), note("二")], 0, "cmd-1", actor="desk-1", agency="a"
        )
        assert [e.version for e in result.events] == [1, 2]
        stream = app.store.read_stream("s-1")
        assert [(e.position, e.version, e.data["text"]) for e in stream] == [
            (1, 1, "一"),
            (2, 2, "二"),
        ]
        first = stream[0]
        assert first.data == {"text": "一", "amount": "1.50"}
        assert first.effective_date == DAY
        assert isinstance(first.recorded_at, datetime)
        assert (first.actor, first.agency, first.command_id) == ("desk-1", "a", "cmd-1")
        assert first.event() == Noted(text="一", amount="1.50")
        assert list(app.store.read_all()) == stream
        assert result.events == tuple(stream)

    def test_stale_expected_version_is_refused(self, app: App) -> None:
        """A stale expected version raises, naming the stream and both versions, and writes nothing."""
        app.store.append("s-1", [note("a")], 0, actor="x", agency="a")
        with pytest.raises(ConcurrencyError) as caught:
            app.store.append("s-1", [note("b"), note("c")], 0, actor="x", agency="a")
        assert "s-1" in str(caught.value)
        assert "expected version 0" in str(caught.value)
        assert "at version 1" in str(caught.value)
        assert count(app) == 1

    def test_multi_stream_append_is_all_or_nothing(self, app: App) -> None:
        """When one stream of a batch is stale, no stream of the batch is written."""
        app.store.append("s-2", [note("a")], 0, actor="x", agency="a")
        batches = [StreamAppend("s-1", [note("b")], 0), StreamAppend("s-2", [note("c")], 0)]
        with pytest.raises(ConcurrencyError):
            app.store.append_many(batches, actor="x", agency="a")
        assert count(app) == 1

    def test_repeated_command_id_writes_nothing(self, app: App) -> None:
        """Repeating an append with a stored command id returns the stored result and writes nothing."""
        first = app.store.append("s-1", [note("a")], 0, "cmd-7", actor="x", agency="a")
        again = app.store.append("s-1", [note("a")], 0, "cmd-7", actor="x", agency="a")
        assert again.replayed
        assert not first.replayed
        assert again.events == first.events
        assert count(app) == 1

    def test_update_and_delete_are_refused_by_the_database(self, app: App) -> None:
        """Raw UPDATE and DELETE statements on events fail through the triggers."""
        app.store.append("s-1", [note("a")], 0, actor="x", agency="a")
        for statement in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events"):
            with pytest.raises(sa.exc.DBAPIError, match="immutable"), app.engine.begin() as conn:
                conn.execute(sa.text(statement))
        assert app.store.read_stream("s-1")[0].actor == "x"

    def test_verify_names_a_tampered_row(self, app: App) -> None:
        """With the triggers dropped and one payload altered, verification names its position."""
        for i in range(3):
            app.store.append(f"s-{i}", [note(str(i))], 0, actor="x", agency="a")
        assert app.store.verify_chain().verified == 3
        with app.engine.begin() as conn:
            for statement in drop_trigger_ddl(app.engine.dialect.name):
                conn.execute(sa.text(statement))
            conn.execute(
                sa.text("UPDATE events SET data = :d WHERE position = 2"),
                {"d": '{"amount": "0", "text": "forged"}'},
            )
        check = app.store.verify_chain()
        assert (check.verified, check.broken_at) == (1, 2)

    def test_as_of_reads_the_log_as_known_then(self, app: App) -> None:
        """Reading with a recorded-until moment omits what was recorded later."""
        app.store.append("s-1", [note("early")], 0, actor="x", agency="a")
        moment = app.store.read_stream("s-1")[0].recorded_at
        app.store.append("s-1", [note("late")], 1, actor="x", agency="a")
        then = [e.data["text"] for e in app.store.read_all(recorded_until=moment)]
        assert then == ["early"]
        assert len(list(app.store.read_all())) == 2

    def test_read_all_pages_and_filters(self, app: App) -> None:
        """Reading from a position pages through the log and can filter by type."""
        events = [note(str(i)) for i in range(25)]
        app.store.append("s-1", events, 0, actor="x", agency="a")
        got = [e.position for e in app.store.read_all(10, batch=4)]
        assert got == list(range(11, 26))
        assert list(app.store.read_all(types=["other.type"])) == []
        assert app.store.last_position() == 25
        assert app.store.stream_version("s-1") == 25
        assert app.store.stream_ids("s-") == ["s-1"]

    def test_any_version_appends_after_the_last(self, app: App) -> None:
        """ANY_VERSION appends to an office-wide stream whatever its version."""
        app.store.append("office", [note("a")], ANY_VERSION, actor="x", agency="a")
        app.store.append("office", [note("b")], ANY_VERSION, actor="x", agency="a")
        assert [e.version for e in app.store.read_stream("office")] == [1, 2]

    def test_old_payload_is_upcast_on_read(self, app: App) -> None:
        """A payload stored as version 1 is read back in the shape of version 2."""

        class Greeted(Event):
            type = "test.greeted"
            name: str

        class GreetedV2(Event):
            type = "test.greeted"
            version = 2
            given_name: str
            family_name: str

        def v1_to_v2(data: dict[str, object]) -> dict[str, object]:
            given, _, family = str(data["name"]).partition(" ")
            return {"given_name": given, "family_name": family}

        register(Greeted, replace=True)
        app.store.append("g", [NewEvent(Greeted(name="Li Hua"), DAY)], 0, actor="x", agency="a")
        register(GreetedV2, replace=True)
        register_upcaster("test.greeted", 1, v1_to_v2)
        stored = app.store.read_stream("g")[0]
        assert stored.schema_version == 1
        assert stored.data == {"given_name": "Li", "family_name": "Hua"}
        assert stored.event() == GreetedV2(given_name="Li", family_name="Hua")
        assert app.store.verify_chain().broken_at is None

    def test_bad_payloads_are_refused_in_one_line(self) -> None:
        """An unknown type or an invalid payload is refused with one line naming it."""
        with pytest.raises(InvalidInput, match="'nope' is unknown"):
            parse_event("nope", {})
        with pytest.raises(InvalidInput, match="field 'text'") as caught:
            parse_event("test.noted", {"text": 5})
        assert "\n" not in str(caught.value)


class TestSQLiteStore(StoreContract):
    """The contract on a SQLite file."""

    @pytest.fixture
    def url(self, sqlite_url: str) -> str:
        return sqlite_url


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    """The contract on a fresh PostgreSQL database."""

    @pytest.fixture
    def url(self, pg_url: str) -> str:
        return pg_url
