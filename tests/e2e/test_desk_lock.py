"""A desk behind another writer waits only as long as configured, then says so in one line."""

from __future__ import annotations

from pathlib import Path

from ledger.db import open_database
from tests.e2e.cli_runner import LedgerCli


def test_a_desk_behind_a_writer_stops_with_one_line(tmp_path: Path) -> None:
    """While another connection holds the books, `record receive` gives up after lock_timeout."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    config = tmp_path / "ledger.toml"
    config.write_text("lock_timeout = 0.5\n", encoding="utf-8")
    holder = open_database(f"sqlite:///{tmp_path / 'desk.db'}")
    try:
        with holder.writing():
            ran = ledger("--config", str(config), "record", "receive", "R1", "--date",
                         "2021-03-01", "--channel", "in-person", "--applicant", "natural")  # fmt: skip
    finally:
        holder.close()
    assert ran.code == 3
    assert ran.line == (
        "ledger: another desk or an import holds the books; try again "
        "(waited 0.5 s for the lock, the configured lock_timeout)"
    )
    assert ledger.events()[0] == 0
