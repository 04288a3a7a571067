"""Personal data lives outside the log and can be erased without touching history."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.cli_runner import LedgerCli


@pytest.fixture
def ledger(tmp_path: Path) -> LedgerCli:
    """The command in-process on a private SQLite file, on 31 March 2021."""
    return LedgerCli(tmp_path / "desk.db", "2021-03-31")


def test_erasing_an_applicant_keeps_the_log_and_the_reports(
    ledger: LedgerCli, tmp_path: Path
) -> None:
    """After erasure the name is gone, the hash chain still verifies and the request remains."""
    received = ledger(
        "record", "receive", "R1", "--date", "2021-03-01", "--channel", "in-person",
        "--applicant", "natural", "--name", "张三", "--phone", "13800000000",
    )  # fmt: skip
    assert received.code == 0, received.err
    assert "张三" in ledger("applicant", "show", "R1").out
    erased = ledger("applicant", "erase", "R1", "--yes")
    assert erased.code == 0, erased.err
    assert "erased" in erased.out
    assert "张三" not in ledger("applicant", "show", "R1").out
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name, phone FROM applicants")).all()
    engine.dispose()
    assert names == [(None, None)]
    assert ledger("verify").code == 0
    assert "R1" in ledger("list").out
    again = ledger("applicant", "erase", "R1", "--yes")
    assert "already erased" in again.out


def test_a_request_without_applicant_data_is_refused(ledger: LedgerCli) -> None:
    """Asking for the applicant of a request recorded without personal data is one line."""
    ledger("record", "receive", "R2", "--date", "2021-03-01", "--channel", "fax",
           "--applicant", "business")  # fmt: skip
    result = ledger("applicant", "erase", "R2", "--yes")
    assert result.code != 0
    assert "no applicant data" in result.err
