"""The right books: commands other than init and demo never create a database or a schema."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.events.migrate import HEAD
from tests.e2e.cli_runner import LedgerCli


@pytest.mark.parametrize(
    "command",
    [
        "verify",
        "alerts",
        "list",
        "log",
        "record receive --date 2020-03-02 --channel in-person --applicant natural",
    ],
)
def test_a_missing_file_is_refused_naming_it_and_nothing_is_created(
    tmp_path: Path, command: str
) -> None:
    """`--db` naming a file that does not exist is refused in one line; no folder, no file."""
    where = tmp_path / "typo" / "ledger.db"
    cli = LedgerCli(where, "2020-03-31", init=False)
    ran = cli(command)
    assert ran.code == 3
    assert ran.refusal() == (
        f"ledger: no ledger books at {where}; `ledger init --db {where}` creates them"
    )
    assert not where.parent.exists()


def test_init_makes_the_books_owner_only(tmp_path: Path) -> None:
    """The file and the folders init creates are readable by their owner only (0600, 0700)."""
    where = tmp_path / "office" / "books" / "ledger.db"
    cli = LedgerCli(where, "2020-03-31", init=False)
    assert cli.ok("init") == f"{where}: schema created (revision {HEAD})"
    assert stat.S_IMODE(where.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "office").stat().st_mode) == 0o700


def test_a_relative_path_is_resolved_and_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sqlite:///data/x.db` is relative to the working folder; init says where it put it."""
    monkeypatch.chdir(tmp_path)
    cli = LedgerCli(tmp_path / "x.db", "2020-03-31", init=False)
    ran = cli("--db", "sqlite:///data/x.db", "init")
    assert ran.code == 0, ran.err
    assert ran.out.startswith(f"{tmp_path / 'data' / 'x.db'}: schema created")


@pytest.mark.postgres
def test_a_postgresql_database_without_the_schema_is_left_untouched(
    pg_url: str, tmp_path: Path
) -> None:
    """A read-only command on a PostgreSQL database without ledger's schema creates no table in it."""
    cli = LedgerCli(tmp_path / "unused.db", "2020-03-31", init=False)
    ran = cli("--db", pg_url, "alerts")
    assert ran.code == 3
    assert ran.refusal().startswith("ledger: no ledger books at postgresql://")
    engine = sa.create_engine(sa.make_url(pg_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()
