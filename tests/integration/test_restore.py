"""`ledger restore` writes while it checks, in one transaction: a refusal found late leaves
the database empty, and a restore that passes leaves its projections built."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

import ledger.backup
from ledger.backup import export_events, restore
from ledger.bootstrap import App
from ledger.errors import IntegrityFailure, InvalidInput
from ledger.events import codec
from ledger.projections.tables import projection_status, request_projection
from ledger.register.load import import_register
from tests.integration.test_register import make
from tests.register_data import generate, write_workbook

PAGE = 7
"""A restore's page made small, so that the refusals below come after pages were written."""


def _exported(tmp_path: Path) -> Path:
    """The events export of a 30-request register."""
    write_workbook(tmp_path / "r.xlsx", generate(30, seed=3))
    source = make(f"sqlite:///{tmp_path / 'source.db'}")
    try:
        import_register(source, tmp_path / "r.xlsx")
        out = tmp_path / "log.jsonl"
        export_events(source.engine, out)
    finally:
        source.close()
    return out


def _empty(app: App) -> bool:
    """Nothing in the log, the applicants, the texts or the projection's table."""
    tables = ("events", "applicants", "texts", "text_keys", "request_view")
    return all(app.store.db.scalar(f"SELECT count(*) FROM {t}") == 0 for t in tables)


def _rechained(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every event line's hash recomputed in order, and the head line set to the last: a
    forger who knows the scheme, so that only the deadline audit can tell."""
    previous = codec.GENESIS
    for line in lines:
        if "position" in line:
            line["hash"] = previous = codec.chain_hash(
                previous, position=line["position"], stream_id=line["stream_id"],
                version=line["version"], type_name=line["type"],
                schema_version=line["schema_version"], data=line["data"],
                effective_date=date.fromisoformat(line["effective_date"]),
                recorded_at=datetime.fromisoformat(line["recorded_at"]), actor=line["actor"], agency=line["agency"],
                command_id=line["command_id"],
            )  # fmt: skip
        elif "chain_head" in line:
            line["chain_head"]["hash"] = previous
    return lines


def _write(file: Path, lines: list[dict[str, Any]]) -> None:
    file.write_text("".join(codec.dumps(line) + "\n" for line in lines), encoding="utf-8")


def test_a_wrong_deadline_late_in_the_log_leaves_the_database_empty(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export whose last recorded deadline was changed and the chain recomputed is
    refused by the audit after most of it was written, and the database stays empty."""
    monkeypatch.setattr(ledger.backup, "RESTORE_BATCH", PAGE)
    out = _exported(tmp_path)
    lines = [codec.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    last = max(i for i, line in enumerate(lines) if line.get("type") == "request.deadline-set")
    assert last > 3 * PAGE
    lines[last]["data"]["due"] = "2099-01-01"
    _write(out, _rechained(lines))
    target = make(db_url)
    try:
        with pytest.raises(IntegrityFailure, match="1 recorded deadline disagrees with the log"):
            restore(target.store, out)
        assert _empty(target)
    finally:
        target.close()


def test_an_export_cut_short_leaves_the_database_empty(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export that lost its last lines (the chain head, or events and all after them)
    is refused as incomplete once read to its end, and the database stays empty."""
    monkeypatch.setattr(ledger.backup, "RESTORE_BATCH", PAGE)
    out = _exported(tmp_path)
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    events = sum('"position"' in line for line in lines)
    target = make(db_url)
    try:
        for kept, refusal in (
            (len(lines) - 1, "no chain head line at the end; the export is incomplete"),
            (events - 5, "no chain head line at the end; the export is incomplete"),
            (events - 5, "does not match the last event"),
        ):
            cut = lines[:kept]
            if refusal.startswith("does not match"):
                cut.append(lines[-1])  # the head line kept, the events before it lost
            out.write_text("".join(cut), encoding="utf-8")
            with pytest.raises((InvalidInput, IntegrityFailure), match=refusal):
                restore(target.store, out)
            assert _empty(target)
    finally:
        target.close()


def test_a_restore_leaves_the_request_table_built_and_signed(db_url: str, tmp_path: Path) -> None:
    """After a restore the request projection is at the log's head with the source's
    rows, every subject signed: the first desk command does not rebuild it."""
    out = _exported(tmp_path)
    source = make(f"sqlite:///{tmp_path / 'source.db'}")
    target = make(db_url)
    try:
        done = restore(target.store, out)
        assert [(s.checkpoint, s.head) for s in projection_status(target.store)] == [
            (done.events, done.events)
        ]
        mine, theirs = request_projection(target.store), request_projection(source.store)
        assert mine is not None
        assert theirs is not None
        assert theirs.catch_up(source.store) == done.events
        assert sorted(mine.table.rows(), key=str) == sorted(theirs.table.rows(), key=str)
        unsigned = "SELECT count(*) FROM request_view WHERE sig0 IS NULL"
        assert target.store.db.scalar(unsigned) == 0
    finally:
        source.close()
        target.close()


@pytest.mark.postgres
def test_a_restore_leaves_the_request_table_vacuumed_for_index_only_reads(
    pg_url: str, tmp_path: Path
) -> None:
    """On PostgreSQL the restored request table is vacuumed after the commit: its pages
    are marked all-visible (the visibility map), so that a year's rows are read from
    ``ix_request_view_year`` alone instead of the table's pages; a rebuild of the
    projections does the same."""
    from ledger.projections.tables import rebuild_projections

    out = _exported(tmp_path)
    target = make(pg_url)
    visible = "SELECT relallvisible FROM pg_class WHERE oid = 'request_view'::regclass"
    try:
        restore(target.store, out)
        assert target.store.db.scalar(visible) > 0
        target.store.db.connection().execute("TRUNCATE request_view")  # as a rebuild clears it
        assert target.store.db.scalar(visible) == 0
        rebuild_projections(target.store)
        assert target.store.db.scalar(visible) > 0
    finally:
        target.close()
