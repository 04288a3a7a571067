"""The register import, the exports, backup and restore, on real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from ledger.backup import backup, export_events, restore
from ledger.bootstrap import App, bootstrap
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import IntegrityFailure, InvalidInput
from ledger.projections.log import event_record, verify_log
from ledger.projections.queries import show_request
from ledger.projections.reports import ReportQuery, render_report
from ledger.register.export import export_register
from ledger.register.layout import COLUMNS
from ledger.register.load import import_register
from tests.register_data import HEADERS, generate, record_at_desks, write_workbook

TODAY_CLOCK = FixedClock(__import__("datetime").date(2024, 6, 30))
LEDGER = str(Path(sys.executable).with_name("ledger"))


def make(url: str) -> App:
    return bootstrap(url, Config(), actor="clerk", clock=TODAY_CLOCK)


def other(url: str, tmp_path: Path, name: str, request: pytest.FixtureRequest | None = None) -> str:
    """A second empty database on the same backend."""
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / name}"
    if request is not None:
        return str(request.getfixturevalue("other_pg_url"))
    pytest.skip("a second PostgreSQL database is made by its own test")


def reports(app: App) -> list[str]:
    return [render_report(app, ReportQuery(y), "json").content for y in (2021, 2022, 2023)]  # type: ignore[misc]


ACCEPTANCE_ROWS = {"sqlite": 1_000, "postgresql": 300}
"""Issue 11 asks for 10,000 rows; this size keeps the test within seconds on the CI
machine. ``LEDGER_REGISTER_ROWS=10000`` runs it at the full size on both databases
(bench/bench_register.py measures the import at 10,000 and 100,000)."""


def test_generated_register_reports_as_the_desk_history(db_url: str, tmp_path: Path) -> None:
    """A generated 3-year register imports, and each year's report equals the one built by desk commands."""
    rows = int(os.environ.get("LEDGER_REGISTER_ROWS", "0")) or ACCEPTANCE_ROWS[
        "sqlite" if db_url.startswith("sqlite") else "postgresql"
    ]
    history = generate(rows)
    book = tmp_path / "register.xlsx"
    write_workbook(book, history)
    imported = make(db_url)
    desk_built = make(f"sqlite:///{tmp_path / 'desk.db'}")
    try:
        result = import_register(imported, book)
        assert result.problems == []
        assert result.written is not None
        assert result.written.requests == rows
        record_at_desks(desk_built, history)
        assert reports(imported) == reports(desk_built)
        assert not verify_log(imported.store).audit.mismatches
        again = import_register(imported, book)
        assert again.written is not None
        assert again.written.events == 0
    finally:
        imported.close()
        desk_built.close()


def _bad_workbook(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS))
    good = ["G-1", "2022-03-01", "当面提交", "自然人", "x", None, None, None, None, None, None, None, "2022-03-10", "予以公开"]
    rows = [
        good,
        ["B-1", "2022-02-30", *good[2:]],
        ["B-2", "2022-03-01", "飞鸽传书", *good[3:]],
        ["B-3", "2022-03-10", *good[2:12], "2022-03-01", "予以公开"],
        ["B-4", None, *good[2:]],
        ["G-1", *good[1:]],
        ["B-5", "2022-03-01", "#VALUE!", *good[3:]],
        ["G-2", "2022-04-01", *good[2:12], "2022-04-15", "部分公开"],
    ]
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_every_bad_row_reported_and_nothing_written(db_url: str, tmp_path: Path) -> None:
    """Each kind of bad row is reported by row and column, nothing is written, and --skip-bad sets aside exactly the bad rows."""
    book = tmp_path / "bad.xlsx"
    _bad_workbook(book)
    app = make(db_url)
    try:
        with pytest.raises(InvalidInput) as refused:
            import_register(app, book)
        lines = refused.value.message.splitlines()
        assert app.store.last_position() == 0
        where = {line.split(":")[0] for line in lines[:-1]}
        assert where == {
            "row 3, 收到日期", "row 4, 收到方式", "row 5, 答复日期", "row 6, 收到日期",
            "row 7, 受理编号", "row 8, 收到方式",
        }  # fmt: skip
        assert "is also on row 2" in refused.value.message
        assert "before the date of receipt" in refused.value.message
        assert "cannot be read" in refused.value.message
        bad_out = tmp_path / "bad-rows.xlsx"
        result = import_register(app, book, skip_bad=bad_out)
        assert result.written is not None
        assert result.written.requests == 2
        sheet = load_workbook(bad_out).active
        ids = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert ids == ["B-1", "B-2", "B-3", "B-4", "G-1", "B-5"]
        assert sheet.cell(1, len(HEADERS) + 1).value == "错误原因"
        # A second decision on a decided request is refused by the desk's rule.
        _second = tmp_path / "second.xlsx"
        wb = Workbook()
        wb.active.append(list(HEADERS))
        wb.active.append(["G-2", "2022-04-01", "当面提交", "自然人", "x", None, None, None, None, None, None, None, "2022-04-20", "重复申请"])
        wb.save(_second)
        with pytest.raises(InvalidInput, match=r"row 2, 答复日期: .*a closed request takes no further steps"):
            import_register(app, _second)
    finally:
        app.close()


def test_missing_and_unknown_columns_refused_by_name(tmp_path: Path) -> None:
    """A register without a required column, or with an unknown one, is refused naming them."""
    book = tmp_path / "cols.csv"
    book.write_text("受理编号,收到日期,申请人类型,颜色\nA-1,2022-03-01,自然人,红\n", encoding="utf-8")
    app = make(f"sqlite:///{tmp_path / 'l.db'}")
    try:
        with pytest.raises(InvalidInput) as refused:
            import_register(app, book)
        assert "column D '颜色': not a register column" in refused.value.message
        assert "column 收到方式: missing" in refused.value.message
    finally:
        app.close()


def test_killed_import_rerun_stores_each_row_once(db_url: str, tmp_path: Path) -> None:
    """An import killed (SIGKILL) while it writes, then run again, stores every row exactly once."""
    history = generate(150, seed=3)
    book = tmp_path / "register.xlsx"
    write_workbook(book, history)
    env = {**os.environ, "LEDGER_DB": db_url, "LEDGER_TODAY": "2024-06-30"}
    subprocess.run([LEDGER, "init"], env=env, check=True, capture_output=True)
    rng = random.Random(11)
    for _attempt in range(2):
        proc = subprocess.Popen([LEDGER, "import", str(book)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = subprocess.run([LEDGER, "import", str(book)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    clean = make(f"sqlite:///{tmp_path / 'clean.db'}")
    killed = make(db_url)
    try:
        import_register(clean, book)
        def streams(app: App) -> dict[str, list[str]]:
            out: dict[str, list[str]] = {}
            for e in app.store.read_all():
                out.setdefault(e.stream_id, []).append(e.type)
            return out
        assert streams(killed) == streams(clean)
        assert not verify_log(killed.store).audit.mismatches
    finally:
        clean.close()
        killed.close()


def test_exported_register_imports_as_the_same_requests(db_url: str, tmp_path: Path) -> None:
    """export register → import into an empty database → the same report and the same show for every request."""
    history = generate(120, seed=5)
    book = tmp_path / "register.xlsx"
    write_workbook(book, history)
    first = make(db_url)
    second = make(f"sqlite:///{tmp_path / 'second.db'}")
    try:
        import_register(first, book)
        for year in (2021, 2022, 2023):
            out = tmp_path / f"export-{year}.xlsx"
            export_register(first.desk(), year, "xlsx", out, personal=True)
            import_register(second, out)
        assert reports(first) == reports(second)
        for r in history:
            a = show_request(first, r.id, None, False).as_dict()
            b = show_request(second, r.id, None, False).as_dict()
            # The raw events differ only in positions and the applicant's random reference.
            assert a.pop("events")
            assert b.pop("events")
            assert a == b
        assert any(e.type == "register.personal-data-exported" for e in first.store.read_all())
    finally:
        first.close()
        second.close()


def test_events_export_restores_the_same_log(db_url: str, tmp_path: Path) -> None:
    """export events → import into an empty database → the identical log and chain head."""
    history = generate(60, seed=9)
    book = tmp_path / "register.xlsx"
    write_workbook(book, history)
    source = make(f"sqlite:///{tmp_path / 'source.db'}")
    target = make(db_url)
    try:
        import_register(source, book)
        out = tmp_path / "log.jsonl"
        written = export_events(source.engine, out)
        done = restore(target.store, out)
        assert done.head == written.head
        assert [event_record(e) for e in target.store.read_all()] == [
            event_record(e) for e in source.store.read_all()
        ]
        with pytest.raises(InvalidInput, match="only into an empty database"):
            restore(target.store, out)
    finally:
        source.close()
        target.close()


DESK_SCRIPT = """
import sys
from datetime import date
from ledger.bootstrap import bootstrap
from ledger.config import Config
from ledger.commands.requests import RecordReceipt, record_receipt
app = bootstrap(sys.argv[1], Config(), actor="desk" + sys.argv[2])
for n in range(int(sys.argv[3])):
    record_receipt(app.desk(), RecordReceipt(date=date(2024, 6, 3), channel="in-person",
                   applicant="natural", request_id=f"D{sys.argv[2]}-{n}"))
app.close()
"""


def test_backup_while_desks_write_restores_and_verifies(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A backup taken while 4 desk processes write restores into an empty database of the
    same backend and passes verify (PostgreSQL: the events export with the applicants)."""
    url = db_url
    make(url).close()
    env = {**os.environ, "LEDGER_TODAY": "2024-06-30", "PYTHONPATH": str(Path(__file__).parents[2])}
    desks = [
        subprocess.Popen([sys.executable, "-c", DESK_SCRIPT, url, str(n), "80"], env=env)
        for n in range(4)
    ]
    live = make(url)
    target_url = other(url, tmp_path, "restored.db", request)
    target = make(target_url)
    try:
        while live.store.last_position() < 20 and all(p.poll() is None for p in desks):
            time.sleep(0.05)
        copy = backup(live.engine, tmp_path / "backup.bak")
        assert all(p.wait(timeout=180) == 0 for p in desks)
        assert 20 <= copy.events < live.store.last_position() == 4 * 80 * 2  # taken mid-write
        done = restore(target.store, copy.file)
        assert done.head == copy.head
        assert done.events == copy.events
        check = verify_log(target.store)
        assert check.verified == copy.events
        assert not check.audit.mismatches
        restored_head = next(target.store.read_as_stored(copy.events - 1))
        assert restored_head == next(live.store.read_as_stored(copy.events - 1))  # a prefix
        verify = subprocess.run([LEDGER, "--db", target_url, "verify"], env=env,
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert verify.returncode == 0, verify.stderr
    finally:
        live.close()
        target.close()


def test_register_doc_lists_every_column() -> None:
    """docs/register.md lists every column of the layout, as the layout table writes it."""
    from ledger.register.layout import markdown_table

    doc = (Path(__file__).parents[2] / "docs" / "register.md").read_text(encoding="utf-8")
    assert markdown_table() in doc
    for column in COLUMNS:
        assert f"| {column.header} | {column.english} |" in doc


def test_template_has_headers_and_drop_downs(tmp_path: Path) -> None:
    """The template holds every header, a sample row and a drop-down list on each coded column."""
    from ledger.register.template import write_template

    out = tmp_path / "t.xlsx"
    write_template(out)
    sheet = load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert len(sheet.data_validations.dataValidation) == sum(c.codes is not None for c in COLUMNS)


def test_backup_of_either_backend_restores_with_applicants(db_url: str, tmp_path: Path) -> None:
    """A backup (SQLite copy, or on PostgreSQL the export with applicants) restores the same log and applicants."""
    history = generate(40, seed=2)
    book = tmp_path / "register.xlsx"
    write_workbook(book, history)
    live = make(db_url)
    target = make(f"sqlite:///{tmp_path / 'restored.db'}")
    try:
        import_register(live, book)
        copy = backup(live.engine, tmp_path / "backup.bak")
        done = restore(target.store, copy.file)
        assert (done.events, done.applicants, done.head) == (copy.events, 40, copy.head)
        ref = next(e.data["applicant_ref"] for e in target.store.read_all(types=["request.received"]))
        assert target.store.applicants.read(ref) == live.store.applicants.read(ref)
    finally:
        live.close()
        target.close()


def test_tampered_export_is_refused_and_nothing_written(tmp_path: Path) -> None:
    """An events export whose content was changed fails its chain check and nothing is restored."""
    source = make(f"sqlite:///{tmp_path / 'source.db'}")
    target = make(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        write_workbook(tmp_path / "r.xlsx", generate(10, seed=4))
        import_register(source, tmp_path / "r.xlsx")
        out = tmp_path / "log.jsonl"
        export_events(source.engine, out)
        text = out.read_text(encoding="utf-8").replace('"disclosed"', '"partial"', 1)
        out.write_text(text, encoding="utf-8")
        with pytest.raises(IntegrityFailure, match=r"altered contents: .*; nothing was restored"):
            restore(target.store, out)
        assert target.store.last_position() == 0
    finally:
        source.close()
        target.close()
