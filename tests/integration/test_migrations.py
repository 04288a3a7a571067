"""Migrations create exactly the tables SQLModel declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ledger.db import open_database
from ledger.events.migrate import HEAD, upgrade
from ledger.events.schema import metadata

T = TypeVar("T")


# The one index of an expression (``ID_GRAMS``) is PostgreSQL's alone; Alembic cannot
# read such an index back from SQLite, says so, and leaves it out of the comparison.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
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


def _migrate(db: object, to: str, *, down: bool = False) -> None:
    """Run the shipped revisions up or down to ``to`` on an open ledger database."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "ledger:migrations")
    with db.engine.begin() as conn:  # type: ignore[attr-defined]
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, to)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0009_adds_unsigned_signatures_and_a_search_key_and_goes_back(
    backend: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    """0008 → 0009 keeps the request rows, each with no signature (NULL: ``find`` opens it),
    and makes one 256-bit search key; down to 0008 removes both again."""
    url = f"sqlite:///{tmp_path}/m.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    db = open_database(url)
    _migrate(db, "0008")
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO request_view (request_id, agency, version, status, channel, applicant, "
            "subject, received_on, received_year, provisional, deferred, regime, days_allowed, "
            "extension_days, closed, withdrawn, recorded_late) VALUES ('R-1', 'a', 1, 'open', "
            "'in-person', 'natural', 'x', '2021-01-04', 2021, false, false, 'normal', 20, 0, "
            "false, false, false)"
        )
    _migrate(db, "0009")
    assert db.fetch("SELECT request_id, sig0, sig7 FROM request_view") == [("R-1", None, None)]
    (key,) = db.fetch("SELECT key FROM search_key")[0]
    assert len(bytes(key)) == 32
    _migrate(db, "0008", down=True)
    columns = db.fetch("SELECT * FROM request_view")
    assert len(columns) == 1
    assert "sig0" not in _columns(db)
    assert not db.scalar(
        "SELECT count(*) FROM sqlite_master WHERE name = 'search_key'"
        if backend == "sqlite"
        else "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'search_key' "
        "AND schemaname = ANY(current_schemas(false))"
    )
    _migrate(db, "head")
    assert upgrade(db) == (HEAD, HEAD)
    db.close()


def _columns(db: object) -> set[str]:
    from sqlalchemy import inspect

    return {c["name"] for c in inspect(db.engine).get_columns("request_view")}  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0010_sets_the_running_steps_of_open_rows_and_goes_back(
    backend: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    """0009 → 0010 sets ``clarifying`` and ``consulting`` on the open rows from their kept
    states, as the projection writes them; closed rows keep false; down removes them."""
    from datetime import date

    from ledger.bootstrap import bootstrap
    from ledger.commands.requests import (
        RecordReceipt,
        issue_decision,
        record_receipt,
        request_clarification,
        start_consultation,
    )
    from ledger.config import Config
    from ledger.dates import FixedClock

    url = f"sqlite:///{tmp_path}/m.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    app = bootstrap(url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(date(2021, 7, 1)))
    for rid in ("R-1", "R-2", "R-3", "R-4"):
        record_receipt(app.desk(), RecordReceipt(date(2021, 6, 1), "in-person", "natural", rid))
    request_clarification(app.desk(), "R-1", date(2021, 6, 2), date(2021, 6, 20))
    start_consultation(app.desk(), "R-2", date(2021, 6, 3), "某公司")
    request_clarification(app.desk(), "R-3", date(2021, 6, 2), date(2021, 6, 20))
    issue_decision(app.desk(), "R-3", date(2021, 6, 10), "disclosed")
    expected = _running_flags(app.store.db)
    app.close()
    assert expected == {"R-1": (True, False), "R-2": (False, True), "R-3": (False, False),
                        "R-4": (False, False)}  # fmt: skip
    assert _down_and_up(url, "0009", "0010", "clarifying", _running_flags) == expected


def _down_and_up(url: str, below: str, revision: str, column: str, read: Callable[[Any], T]) -> T:
    """What ``read`` finds after the database went down to ``below`` (``column`` gone
    with ``revision``) and up to ``revision`` again, which fills the column afresh."""
    db = open_database(url)
    try:
        _migrate(db, below, down=True)
        assert column not in _columns(db)
        _migrate(db, revision)
        return read(db)
    finally:
        db.close()


def _running_flags(db: object) -> dict[str, tuple[bool, bool]]:
    rows = db.fetch("SELECT request_id, clarifying, consulting FROM request_view")  # type: ignore[attr-defined]
    return {str(r): (bool(c), bool(k)) for r, c, k in rows}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0011_sets_the_report_columns_of_rows_with_steps_and_goes_back(
    backend: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    """0010 → 0011 sets ``paused_days`` and ``step_counts`` on the rows with steps as the
    projection writes them, counted with the calendar the log records (an amended
    schedule here); rows without steps keep 0 and NULL; down removes the columns."""
    from datetime import date

    from ledger.bootstrap import bootstrap
    from ledger.calendar import YearSchedule, package_schedule
    from ledger.commands.calendar import record_schedule
    from ledger.commands.requests import (
        RecordReceipt,
        end_consultation,
        grant_extension,
        issue_decision,
        record_clarified,
        record_receipt,
        request_clarification,
        start_consultation,
    )
    from ledger.config import Config
    from ledger.dates import FixedClock

    url = f"sqlite:///{tmp_path}/m.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    app = bootstrap(url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(date(2021, 8, 1)))
    official = package_schedule(2021)
    assert official is not None
    off = {date(2021, 6, 8): "停工", date(2021, 6, 16): "停工"}
    record_schedule(app.desk(), YearSchedule(2021, {**official.holidays, **off}, official.workdays))
    for rid in ("R-1", "R-2", "R-3", "R-4"):
        record_receipt(app.desk(), RecordReceipt(date(2021, 6, 1), "in-person", "natural", rid))
    request_clarification(app.desk(), "R-1", date(2021, 6, 14), date(2021, 6, 30))
    record_clarified(app.desk(), "R-1", date(2021, 6, 21))
    issue_decision(app.desk(), "R-1", date(2021, 6, 28), "disclosed")
    start_consultation(app.desk(), "R-2", date(2021, 6, 3), "某公司")
    end_consultation(app.desk(), "R-2", date(2021, 6, 17), "某公司")
    grant_extension(app.desk(), "R-2", date(2021, 6, 24), 20, "head of office")
    issue_decision(app.desk(), "R-2", date(2021, 7, 20), "partial")
    issue_decision(app.desk(), "R-3", date(2021, 6, 10), "disclosed")
    expected = _report_columns(app.store.db)
    app.close()
    assert expected["R-1"][1] == "2021:0:1:1"
    assert expected["R-1"][0] > 0
    assert expected["R-2"][1] == "2021:1:0:0"
    assert expected["R-2"][0] > 0
    assert expected["R-3"] == expected["R-4"] == (0, None)
    assert _down_and_up(url, "0010", "0011", "paused_days", _report_columns) == expected


def _report_columns(db: object) -> dict[str, tuple[int, str | None]]:
    rows = db.fetch("SELECT request_id, paused_days, step_counts FROM request_view")  # type: ignore[attr-defined]
    return {str(r): (int(p), s) for r, p, s in rows}


_AS_STORED = (
    "SELECT position, stream_id, version, type, schema_version, CAST(data AS TEXT), "
    "CAST(effective_date AS TEXT), CAST(recorded_at AS TEXT), actor, agency, command_id, hash "
    "FROM events ORDER BY position"
)


def _indexes(db: object, table: str) -> dict[str, list[str]]:
    from sqlalchemy import inspect

    found = inspect(db.engine).get_indexes(table)  # type: ignore[attr-defined]
    return {str(i["name"]): list(i["column_names"]) for i in found}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0012_keeps_every_event_as_stored_and_goes_back(
    backend: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    """0011 → 0012 keeps every event byte for byte (positions, payload texts, dates,
    hashes: the chain still verifies), drops the two indexes no query seeks by, makes
    ``ix_events_type`` (type, position) and, on SQLite, ``position`` the rowid (the table
    rebuilt, its immutability triggers made again); down to 0011 and up again keep the
    rows too, and appends go on from the same head."""
    from datetime import date

    from ledger.bootstrap import bootstrap
    from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
    from ledger.config import Config
    from ledger.dates import FixedClock

    url = f"sqlite:///{tmp_path}/m.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    config, clock = Config(backdate_days=3650), FixedClock(date(2021, 7, 1))
    app = bootstrap(url, config, actor="clerk", clock=clock)  # the rows as HEAD's desk writes
    for i in range(1, 13):
        receipt = RecordReceipt(date(2021, 6, i), "in-person", "natural", f"R-{i}", subject="水")
        record_receipt(app.desk(), receipt)
    for i in range(1, 13, 3):
        issue_decision(app.desk(), f"R-{i}", date(2021, 6, 20), "disclosed")
    app.close()
    db = open_database(url)
    _migrate(db, "0011", down=True)  # the log at 0011
    before = db.fetch(_AS_STORED)
    stored_as = "SELECT typeof(position), typeof(data), typeof(recorded_at) FROM events"
    kinds = db.fetch(stored_as) if backend == "sqlite" else None
    _migrate(db, "0012")
    assert db.fetch(_AS_STORED) == before
    assert kinds is None or db.fetch(stored_as) == kinds
    assert "ix_events_recorded_at" not in _indexes(db, "events")
    assert _indexes(db, "events")["ix_events_type"] == ["type", "position"]
    assert "ix_request_view_decided_year" not in _indexes(db, "request_view")
    if backend == "sqlite":
        plan = db.fetch("EXPLAIN QUERY PLAN SELECT hash FROM events WHERE position = 3")
        assert "INTEGER PRIMARY KEY" in str(plan)
        with pytest.raises(Exception, match="immutable"), db.writing() as conn:
            conn.execute("UPDATE events SET actor = 'x' WHERE position = 1")
    _migrate(db, "0011", down=True)
    assert db.fetch(_AS_STORED) == before
    assert _indexes(db, "events")["ix_events_recorded_at"] == ["recorded_at"]
    assert _indexes(db, "events")["ix_events_type"] == ["type"]
    assert _indexes(db, "request_view")["ix_request_view_decided_year"] == ["decided_year"]
    _migrate(db, "0012")
    assert db.fetch(_AS_STORED) == before
    _migrate(db, HEAD)
    db.close()
    app = bootstrap(url, config, actor="clerk", clock=clock)
    assert app.store.verify_chain().verified == len(before)
    issue_decision(app.desk(), "R-2", date(2021, 6, 21), "disclosed")
    assert app.store.verify_chain().verified == len(before) + 1
    app.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0013_holds_the_year_counted_columns_in_the_touch_index_and_goes_back(
    backend: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    """0012 → 0013 replaces the touch years' index by one that also holds every column
    the annual counts read, so SQLite reads a report's rows from the index alone (its
    plan says COVERING); the rows and the report are the same; down gives the old index."""
    from datetime import date

    from ledger.bootstrap import bootstrap
    from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
    from ledger.config import Config
    from ledger.dates import FixedClock
    from ledger.events.schema import YEAR_COUNTED
    from ledger.projections.reports import ReportQuery, annual_report

    url = f"sqlite:///{tmp_path}/m.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    config, clock = Config(backdate_days=3650), FixedClock(date(2022, 3, 1))
    app = bootstrap(url, config, actor="clerk", clock=clock)
    for i in range(1, 9):
        receipt = RecordReceipt(date(2021, 12, i), "in-person", "natural", f"R-{i}")
        record_receipt(app.desk(), receipt)
    for i in range(1, 9, 2):
        issue_decision(app.desk(), f"R-{i}", date(2022, 1, 10), "disclosed")
    report = annual_report(app, ReportQuery(2022))
    rows = app.store.db.fetch("SELECT * FROM request_view ORDER BY request_id")
    app.close()
    db = open_database(url)
    _migrate(db, "0012", down=True)
    assert _indexes(db, "request_view")["ix_request_view_touch"] == ["touch_until", "touch_from"]
    assert "ix_request_view_year" not in _indexes(db, "request_view")
    _migrate(db, "0013")
    held = _indexes(db, "request_view")["ix_request_view_year"]
    assert held == ["touch_until", "touch_from", *YEAR_COUNTED]
    assert "ix_request_view_touch" not in _indexes(db, "request_view")
    if backend == "sqlite":
        from ledger.projections.yearcounts import _COLUMNS, _STATS

        query = f"SELECT {_COLUMNS}{_STATS} FROM request_view WHERE touch_until >= ? AND touch_from <= ?"
        plan = str(db.fetch(f"EXPLAIN QUERY PLAN {query}", (2022,) * 6))
        assert "COVERING INDEX ix_request_view_year" in plan
    _migrate(db, HEAD)  # the rows as HEAD keeps them (0014 added a column)
    assert db.fetch("SELECT * FROM request_view ORDER BY request_id") == rows
    db.close()
    app = bootstrap(url, config, actor="clerk", clock=clock)
    assert annual_report(app, ReportQuery(2022)) == report
    app.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0014_sets_the_carried_years_of_rows_carried_over_and_goes_back(
    backend: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    """0013 → 0014 sets ``carried_years`` as the projection writes it on the rows a year
    close carried over (closes recorded out of order, one request's carry-overs revoked by
    an amendment, one carried over and decided late); the others keep NULL, and only the
    rows carried over are in the partial index ``ix_request_view_carried``; down removes
    both."""
    from dataclasses import replace
    from datetime import date

    from ledger.bootstrap import bootstrap
    from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
    from ledger.commands.years import close_year
    from ledger.config import Config
    from ledger.dates import FixedClock

    url = f"sqlite:///{tmp_path}/m.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    app = bootstrap(url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(date(2023, 3, 1)))
    for rid, on in (("R-1", date(2021, 12, 20)), ("R-2", date(2021, 12, 21)),
                    ("R-3", date(2022, 6, 1)), ("R-4", date(2021, 3, 1))):  # fmt: skip
        record_receipt(app.desk(), RecordReceipt(on, "in-person", "natural", rid))
    issue_decision(app.desk(), "R-4", date(2021, 3, 20), "disclosed")
    agency = app.desk().agency
    close_year(app.desk(), 2022, agency)
    close_year(app.desk(), 2021, agency)
    issue_decision(replace(app.desk(), amend=True), "R-2", date(2021, 12, 30), "disclosed")
    issue_decision(app.desk(), "R-1", date(2023, 1, 10), "partial")
    expected = _carried_years(app.store.db)
    app.close()
    assert expected == {"R-1": ",2021,2022,", "R-2": None, "R-3": ",2022,", "R-4": None}
    assert _down_and_up(url, "0013", "0014", "carried_years", _carried_years) == expected
    db = open_database(url)
    assert _indexes(db, "request_view")["ix_request_view_carried"] == ["carried_years"]
    if backend == "sqlite":  # PostgreSQL's plan of four rows is a scan whatever the index
        query = "SELECT request_id FROM request_view WHERE carried_years IS NOT NULL"
        assert "ix_request_view_carried" in str(db.fetch(f"EXPLAIN QUERY PLAN {query}"))
    db.close()


def _carried_years(db: object) -> dict[str, str | None]:
    rows = db.fetch("SELECT request_id, carried_years FROM request_view")  # type: ignore[attr-defined]
    return {str(r): c for r, c in rows}


def _pg_index_definitions(db: object) -> dict[str, str]:
    rows = db.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'request_view'")  # type: ignore[attr-defined]
    return {str(name): str(definition) for name, definition in rows}


def _found_ids(url: str, text: str) -> list[str]:
    from ledger.bootstrap import bootstrap
    from ledger.projections.queries import find_requests

    app = bootstrap(url, ensure=False)
    try:
        return [f.row.id for f in find_requests(app, text, personal=False)]
    finally:
        app.close()


def _find_by_index(db: object, part: str) -> tuple[str, list[str]]:
    """The plan of ``find``'s id test (its escaping of ``_`` and ``%`` too) and the ids
    it finds, over a thousand more rows (copies of the first, in a transaction rolled
    back), the table's scan forbidden: on so few rows it is cheapest."""
    from ledger.search import ID_FOLDED

    with db.engine.connect() as conn:  # type: ignore[attr-defined]
        columns = [c for (c,) in conn.exec_driver_sql(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'request_view' AND column_name <> 'request_id'")]  # fmt: skip
        listed = ", ".join(columns)
        conn.exec_driver_sql(
            f"INSERT INTO request_view (request_id, {listed}) SELECT 'copy-' || n, {listed} "
            "FROM request_view, generate_series(1, 1000) AS n WHERE request_id = "
            "(SELECT min(request_id) FROM request_view)"
        )
        conn.exec_driver_sql("ANALYZE request_view")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        pattern = {"p": "%" + part.replace("!", "!!").replace("_", "!_").replace("%", "!%") + "%"}
        query = f"SELECT request_id FROM request_view WHERE {ID_FOLDED} LIKE %(p)s ESCAPE '!'"
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {query}", pattern))
        found = sorted(r[0] for r in conn.exec_driver_sql(query, pattern))
        conn.rollback()
    return plan, found


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0015_gives_find_its_indexes_on_postgres_and_goes_back(
    backend: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    """0014 → 0015 on PostgreSQL: the signature index includes ``request_id`` and a GIN
    index holds the folded ids' trigrams, the very expression ``find`` tests (its plan
    reads it, with ``_`` escaped as ``find`` escapes it); ``find`` answers the same before
    and after; down removes both. SQLite's indexes do not change."""
    from datetime import date

    from ledger.bootstrap import bootstrap, init_database
    from ledger.commands.requests import RecordReceipt, record_receipt
    from ledger.config import Config
    from ledger.dates import FixedClock

    url = f"sqlite:///{tmp_path}/m.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    app = bootstrap(url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(date(2022, 3, 1)))
    for rid in ("GZ-2021-0001", "gz-2021-0002", "SZ-2021-0003", "GZ_2021-0004"):
        record_receipt(app.desk(), RecordReceipt(date(2021, 12, 1), "in-person", "natural", rid))
    app.close()
    assert _found_ids(url, "Gz-2021") == ["GZ-2021-0001", "gz-2021-0002"]
    db = open_database(url)
    at_head = _indexes(db, "request_view")
    _migrate(db, "0014", down=True)
    if backend == "sqlite":
        assert _indexes(db, "request_view") == at_head
    else:
        definitions = _pg_index_definitions(db)
        assert "ix_request_view_id_grams" not in definitions
        assert "INCLUDE" not in definitions["ix_request_view_signature"]
    _migrate(db, "0015")
    if backend == "postgresql":
        definitions = _pg_index_definitions(db)
        assert definitions["ix_request_view_signature"].endswith("INCLUDE (request_id)")
        assert "USING gin" in definitions["ix_request_view_id_grams"]
        assert "gin_trgm_ops" in definitions["ix_request_view_id_grams"]
        plan, found = _find_by_index(db, "gz-2021")
        assert "ix_request_view_id_grams" in plan
        assert found == ["GZ-2021-0001", "gz-2021-0002"]
        plan, found = _find_by_index(db, "z_2021")  # "_" a character, not any character
        assert "ix_request_view_id_grams" in plan
        assert found == ["GZ_2021-0004"]
    assert _indexes(db, "request_view") == at_head
    db.close()
    assert _found_ids(url, "Gz-2021") == ["GZ-2021-0001", "gz-2021-0002"]
    assert _found_ids(url, "z_2021") == ["GZ_2021-0004"]
    assert init_database(url).id_grams is (None if backend == "sqlite" else True)


@pytest.mark.postgres
def test_0015_without_the_right_to_make_pg_trgm_keeps_find_working(
    pg_url: str, tmp_path: object
) -> None:
    """An owner of the tables who may not make extensions in the database (no CREATE on
    it) upgrades to 0015 all the same: no trigram index, a warning, ``ledger init``
    telling it each time it runs, and ``find`` answering by the scan of the ids."""
    import uuid
    from datetime import date
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    from ledger.bootstrap import bootstrap, init_database
    from ledger.commands.requests import RecordReceipt, record_receipt
    from ledger.config import Config
    from ledger.dates import FixedClock

    role = f"ledger_plain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"REVOKE CREATE ON DATABASE {conn.info.dbname} FROM PUBLIC")
        conn.execute(f"ALTER SCHEMA public OWNER TO {role}")
    parts = urlsplit(pg_url)
    url = urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rsplit('@', 1)[-1]}"))
    try:
        app = bootstrap(url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(date(2022, 3, 1)))
        record_receipt(app.desk(), RecordReceipt(date(2021, 12, 1), "in-person", "natural", "GZ-7"))
        app.close()
        assert init_database(url).id_grams is False  # `ledger init` says so (catalog)
        db = open_database(url)
        assert "ix_request_view_id_grams" not in _pg_index_definitions(db)
        assert "INCLUDE (request_id)" in _pg_index_definitions(db)["ix_request_view_signature"]
        db.close()
        assert _found_ids(url, "gz-7") == ["GZ-7"]
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("ALTER SCHEMA public OWNER TO pg_database_owner")
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
