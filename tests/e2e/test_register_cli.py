"""`ledger import` of a register, `ledger export`, `ledger backup` and `ledger restore` as a person runs them."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Run

TODAY = {"LEDGER_TODAY": "2024-06-30"}


def test_template_import_export_backup_restore(ledger: Run, tmp_path: Path) -> None:
    """The template's sample row imports once, a bad CSV is refused by row and column, and the books go out and back."""
    template = tmp_path / "register.xlsx"
    assert ledger("import", "--template", str(template)).returncode == 0
    dry = ledger("import", str(template), "--dry-run", extra_env=TODAY)
    assert dry.returncode == 0, dry.stderr
    assert "would add 1 requests, 3 events; years: 2024 (3 events)" in dry.stdout
    first = ledger("import", str(template), extra_env=TODAY)
    assert first.returncode == 0, first.stderr
    assert "checking: 1/1 rows" in first.stderr  # plain progress lines when not at a terminal
    again = ledger("import", str(template), extra_env=TODAY)
    assert "nothing new: every row was already imported" in again.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text("受理编号,收到日期,收到方式,申请人类型\nX-1,2024-02-30,当面,自然人\n", encoding="utf-8")
    refused = ledger("import", str(bad), extra_env=TODAY)
    assert refused.returncode != 0
    assert "ledger: row 2, 收到日期: '2024-02-30': is not a day of the calendar" in refused.stderr
    assert "nothing was imported: 1 of 1 rows are bad" in refused.stderr

    out = tmp_path / "2024.csv"
    exported = ledger("export", "register", "--year", "2024", "--format", "csv", "--output", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "2024-0001,2024-03-04," in out.read_text(encoding="utf-8-sig")

    copy = tmp_path / "backup.db"
    assert ledger("backup", str(copy)).returncode == 0
    restored = ledger("--db", str(tmp_path / "restored.db"), "restore", str(copy))
    assert restored.returncode == 0, restored.stderr
    assert "the hash chain is intact" in restored.stdout
    assert "recorded deadlines re-derived; all agree" in restored.stdout
    twice = ledger("--db", str(tmp_path / "restored.db"), "restore", str(copy))
    assert "a restore goes only into an empty database" in twice.stderr
