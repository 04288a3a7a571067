"""Erased personal data is unreadable wherever the database keeps copies: sealed, key deleted."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.config import Config

from ledger.applicants import PERSONAL, Applicant, unseal
from ledger.bootstrap import bootstrap
from ledger.db import WRITE, open_database
from ledger.events.migrate import HEAD, upgrade
from tests.e2e.test_applicant import PERSON
from tests.integration.test_roles import RoleCli


@pytest.mark.postgres
def test_on_postgres_erasure_deletes_the_key_and_the_table_holds_only_ciphertext(
    pg_url: str, tmp_path: Path
) -> None:
    """The table never holds the values in clear; after erasure the key is gone, so no copy opens."""
    cli = RoleCli(pg_url, tmp_path)
    cli.ok("init")
    details = [arg for pair in PERSON.items() for arg in pair]
    assert cli("record", "receive", "R1", "--date", "2021-03-01", "--channel", "in-person",
               "--applicant", "natural", *details).code == 0  # fmt: skip
    columns = ", ".join(PERSONAL)
    with psycopg.connect(pg_url, autocommit=True) as other:  # open throughout
        ref, *sealed = other.execute(f"SELECT ref, {columns} FROM applicants").fetchone() or ()
        assert not set(sealed) & set(PERSON.values())
        (key,) = other.execute("SELECT key FROM applicant_keys").fetchone() or (None,)
        assert [unseal(key, s) for s in sealed] == [PERSON[f"--{c.replace('_', '-')}"]
                                                    for c in PERSONAL]  # fmt: skip
        assert cli("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes").code == 0
        row = other.execute(f"SELECT ref, {columns}, id_match FROM applicants").fetchone()
        assert row == (ref, *[None] * (len(PERSONAL) + 1))
        assert other.execute("SELECT count(*) FROM applicant_keys").fetchone() == (0,)
    assert "王小明" not in cli("applicant", "show", "R1").out
    assert cli("verify").code == 0


def test_the_migration_seals_applicants_stored_in_clear(tmp_path: Path) -> None:
    """Upgrading books of revision 0001 seals each applicant with a key; they are found as before."""
    db = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", "ledger:migrations")
    with db.engine.connect().execution_options(**WRITE) as conn, conn.begin():
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    db.close()
    raw = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    with raw.writing() as conn:
        conn.execute(
            "INSERT INTO applicants (ref, name, id_number, phone, created_at) "
            "VALUES ('r1', '李华', '110101200001011234', '13900000000', '2021-01-01 00:00:00')"
        )
    assert upgrade(raw)[1] == HEAD
    assert raw.scalar("SELECT name FROM applicants") != "李华"
    raw.close()
    app = bootstrap(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        assert (app.store.applicants.read("r1") or {})["name"] == "李华"
        assert app.store.applicants.find_ref(Applicant(id_number="110101200001011234")) == "r1"
        assert app.store.applicants.search("1234") == {"r1"}
    finally:
        app.close()


PG_DATA = Path("/var/lib/postgresql")


def _data_directory(conn: psycopg.Connection[Any]) -> Path:
    """The server's data directory, as it reports it (skipped if this process cannot read it)."""
    (where,) = conn.execute("SHOW data_directory").fetchone() or ("",)
    path = Path(where)
    if not os.access(path, os.R_OK | os.X_OK):
        pytest.skip(f"the PostgreSQL data directory {path} is not readable by this user")
    return path


def _files_holding(root: Path, needles: dict[str, bytes]) -> dict[str, list[str]]:
    """For each needle, the files under ``root`` whose bytes contain it."""
    found: dict[str, list[str]] = {name: [] for name in needles}
    for folder, _, names in os.walk(root):  # errors (a folder just removed) are skipped
        for name in names:
            path = Path(folder) / name
            try:
                data = path.read_bytes()
            except OSError:  # a file removed while walking (another test's database)
                continue
            _record(found, needles, data, str(path.relative_to(root)))
    return found


def _record(found: dict[str, list[str]], needles: dict[str, bytes], data: bytes, at: str) -> None:
    """Note ``at`` under each needle that ``data`` contains."""
    for name, needle in needles.items():
        if needle in data:
            found[name].append(at)


@pytest.mark.postgres
def test_on_postgres_no_plaintext_and_no_erased_key_in_the_data_files(
    pg_url: str, tmp_path: Path
) -> None:
    """A byte scan of the server's data directory, with another connection open throughout:
    the five values are nowhere (not in the table's files, not in the WAL: they are sealed
    before they are sent); the erased applicant's key, present in the database's files
    before erasure, is gone from them after it (the erasure runs VACUUM FULL on the key table). What
    remains is the key in the WAL until its segments are recycled (docs/reliability.md)."""
    cli = RoleCli(pg_url, tmp_path)
    cli.ok("init")
    details = [arg for pair in PERSON.items() for arg in pair]
    # Another applicant first: the erased key is the newest row, the one a plain VACUUM
    # leaves in the page's free space (only VACUUM FULL rewrites the file without it).
    assert cli("record", "receive", "R0", "--date", "2021-03-01", "--channel", "in-person",
               "--applicant", "natural", "--name", "李四Li", "--phone", "13800000000"
               ).code == 0  # fmt: skip
    assert cli("record", "receive", "R1", "--date", "2021-03-01", "--channel", "in-person",
               "--applicant", "natural", *details).code == 0  # fmt: skip
    plain = {field: value.encode("utf-8") for field, value in PERSON.items()}
    with psycopg.connect(pg_url, autocommit=True) as other:  # open throughout
        root = _data_directory(other)
        (oid,) = other.execute(
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        ).fetchone() or (0,)
        files = root / "base" / str(oid)
        key_of = "SELECT k.key FROM applicant_keys k JOIN applicants a USING (ref) WHERE a.ref = ("
        key_of += "SELECT ref FROM applicants ORDER BY created_at DESC LIMIT 1)"
        (key,) = other.execute(key_of).fetchone() or (b"",)
        other.execute("CHECKPOINT")  # dirty pages reach the files the scan reads
        before = _files_holding(files, {"key": bytes(key)})
        assert before["key"], "the scan must see the key table's file before erasure"
        erased = cli("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes")
        assert (erased.code, erased.err) == (0, "")
        other.execute("CHECKPOINT")
        assert _files_holding(files, {"key": bytes(key)}) == {"key": []}
        assert _files_holding(root, plain) == {field: [] for field in plain}
