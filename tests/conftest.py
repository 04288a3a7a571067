"""Shared fixtures: real SQLite files and a fresh PostgreSQL database per test.

PostgreSQL is the server named by LEDGER_TEST_PG (default: the local CI server). Without
it the PostgreSQL tests skip on a user's machine; under CI=true a skip is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.i18n import set_language

PG_ADMIN_URL = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _admin_engine() -> sa.Engine:
    url = sa.make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def _pg_available() -> str | None:
    """None when the server answers, else why not."""
    engine = _admin_engine()
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as exc:
        return str(exc.orig).splitlines()[0]
    finally:
        engine.dispose()


_PG_PROBLEM: list[str | None] = []


def _require_pg() -> None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_pg_available())
    problem = _PG_PROBLEM[0]
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    yield from _fresh_pg_database()


@pytest.fixture
def other_pg_url() -> Iterator[str]:
    """A second fresh PostgreSQL database (a restore's target), dropped afterwards."""
    yield from _fresh_pg_database()


def _fresh_pg_database() -> Iterator[str]:
    _require_pg()
    name = f"ledger_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(PG_ADMIN_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file of its own for one test."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each backend in turn: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests read English unless they ask for Chinese (the ``chinese`` fixture).

    Chinese is what a person gets by default; most tests compare English wording, so they
    run with LEDGER_LANG=en, in this process and in the ``ledger`` processes they start.
    """
    monkeypatch.setenv("LEDGER_LANG", "en")
    monkeypatch.setenv("LANGUAGE", "en")
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """No language configured: ledger speaks Chinese, as it does for a person."""
    monkeypatch.delenv("LEDGER_LANG", raising=False)
    set_language("zh")
