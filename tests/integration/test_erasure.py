"""Erased personal data is unreadable wherever the database keeps copies: sealed, key deleted."""

from __future__ import annotations

from pathlib import Path

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
