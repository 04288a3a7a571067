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
    erased = ledger("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes")
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
    again = ledger("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes")
    assert "already erased" in again.out


def test_a_request_without_applicant_data_is_refused(ledger: LedgerCli) -> None:
    """Asking for the applicant of a request recorded without personal data is one line."""
    ledger("record", "receive", "R2", "--date", "2021-03-01", "--channel", "fax",
           "--applicant", "business")  # fmt: skip
    result = ledger("applicant", "erase", "R2", "--basis", "withdrawn consent", "--yes")
    assert result.code != 0
    assert "no applicant data" in result.err


PERSON = {
    "--name": "王小明Wang",
    "--id-number": "11010519491231002X",
    "--phone": "13912345678",
    "--address": "北京市朝阳区幸福路88号",
    "--email": "wang.xiaoming@example.cn",
}


def test_erased_data_leaves_no_bytes_in_the_file_wal_or_shm(
    ledger: LedgerCli, tmp_path: Path
) -> None:
    """After erasure neither the five fields nor the applicant's key is in the file, -wal or
    -shm, while another connection stayed open throughout."""
    import sqlite3

    path = tmp_path / "desk.db"
    details = [arg for pair in PERSON.items() for arg in pair]
    received = ledger("record", "receive", "R1", "--date", "2021-03-01", "--channel",
                      "in-person", "--applicant", "natural", *details)  # fmt: skip
    assert received.code == 0, received.err
    other = sqlite3.connect(path, isolation_level=None)  # the scheduler, say: open throughout
    try:
        (key,) = other.execute("SELECT key FROM applicant_keys").fetchone()
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        before = b"".join(f.read_bytes() for f in files if f.exists())
        assert key in before  # the scan can see what erasure must remove
        assert PERSON["--phone"].encode() not in before  # sealed from the start
        erased = ledger("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes")
        assert erased.code == 0, erased.err
        assert other.execute("SELECT count(*) FROM applicants").fetchone() == (1,)
        for f in files:
            content = f.read_bytes() if f.exists() else b""
            assert key not in content, f.name
            for value in PERSON.values():
                assert value.encode() not in content, (f.name, value)
    finally:
        other.close()
    assert ledger("verify").code == 0


def test_a_reader_holding_the_wal_is_reported_and_a_second_erase_finishes(
    ledger: LedgerCli, tmp_path: Path
) -> None:
    """A reader inside a transaction keeps the old copies in -wal: said, and erasing again purges."""
    import sqlite3

    path = tmp_path / "desk.db"
    config = tmp_path / ".config" / "ledger" / "ledger.toml"
    config.write_text(config.read_text(encoding="utf-8") + "lock_timeout = 1\n", encoding="utf-8")
    ledger("record", "receive", "R1", "--date", "2021-03-01", "--channel", "in-person",
           "--applicant", "natural", "--phone", PERSON["--phone"])  # fmt: skip
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM applicants").fetchone()
        held = ledger("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes")
        assert held.code == 0
        assert "personal data erased" in held.out
        assert "run this command again" in held.err
        other.execute("COMMIT")
        again = ledger("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes")
        assert "already erased" in again.out
        assert again.err == ""
        wal = Path(f"{path}-wal")
        assert not wal.exists() or wal.stat().st_size == 0
    finally:
        other.close()
