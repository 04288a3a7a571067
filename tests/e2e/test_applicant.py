"""Personal data lives outside the log and can be erased without touching history."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.e2e.conftest import Run


def test_erasing_an_applicant_keeps_the_log_and_the_reports(ledger: Run, tmp_path: Path) -> None:
    """After erasure the name is gone, the hash chain still verifies and the request remains."""
    today = {"LEDGER_TODAY": "2021-03-31"}
    received = ledger(
        "record", "receive", "R1", "--date", "2021-03-01", "--channel", "in-person",
        "--applicant", "natural", "--name", "张三", "--phone", "13800000000", extra_env=today,
    )  # fmt: skip
    assert received.returncode == 0, received.stderr
    assert "张三" in ledger("applicant", "show", "R1").stdout
    erased = ledger("applicant", "erase", "R1", "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "erased" in erased.stdout
    assert "张三" not in ledger("applicant", "show", "R1").stdout
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name, phone FROM applicants")).all()
    engine.dispose()
    assert names == [(None, None)]
    assert ledger("verify").returncode == 0
    assert "R1" in ledger("list", extra_env=today).stdout
    again = ledger("applicant", "erase", "R1", "--yes")
    assert "already erased" in again.stdout


def test_a_request_without_applicant_data_is_refused(ledger: Run) -> None:
    """Asking for the applicant of a request recorded without personal data is one line."""
    today = {"LEDGER_TODAY": "2021-03-31"}
    ledger("record", "receive", "R2", "--date", "2021-03-01", "--channel", "fax",
           "--applicant", "business", extra_env=today)  # fmt: skip
    result = ledger("applicant", "erase", "R2", "--yes")
    assert result.returncode != 0
    assert "no applicant data" in result.stderr
