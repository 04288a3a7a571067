"""verify re-derives every recorded deadline and names one that disagrees."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ledger.bootstrap import bootstrap
from ledger.commands._context import Desk
from ledger.commands.requests import RecordReceipt, grant_extension, record_receipt
from ledger.events.requests import DeadlineSet, stream_of
from ledger.events.store import NewEvent
from ledger.projections.audit import audit_deadlines
from ledger.projections.log import verify_log


def test_recorded_deadlines_agree_and_a_forged_one_is_named(tmp_path: Path) -> None:
    """Deadlines recorded by the commands re-derive exactly; a forged one is reported by position."""
    app = bootstrap(f"sqlite:///{tmp_path / 'a.db'}", actor="desk")
    desk = Desk(app.store, "desk", "a", date(2020, 4, 1))
    record_receipt(desk, RecordReceipt(date(2020, 3, 2), "in-person", "natural", "R1"))
    grant_extension(desk, "R1", date(2020, 3, 20), 5, "head")
    clean = audit_deadlines(app.store)
    assert clean.checked == 2
    assert clean.mismatches == ()
    forged = DeadlineSet(due=date(2020, 3, 31), reason="typed by hand")
    version = app.store.stream_version(stream_of("R1"))
    stored = app.store.append(
        stream_of("R1"),
        [NewEvent(forged, date(2020, 3, 21))],
        expected_version=version,
        actor="x",
        agency="a",
    )
    audit = audit_deadlines(app.store)
    app.close()
    assert audit.checked == 3
    assert len(audit.mismatches) == 1
    assert f"position {stored.last_position}" in audit.mismatches[0]
    # 20 working days end 2020-03-30; five more: 03-31 … 04-03, then 04-07 (清明 4–6 April)
    assert "derived 2020-04-07" in audit.mismatches[0]


def test_verify_checks_the_chain_and_the_deadlines_in_one_pass(tmp_path: Path) -> None:
    """verify_log reads the log once (one page query) and finds what the two walks find."""
    app = bootstrap(f"sqlite:///{tmp_path / 'a.db'}", actor="desk")
    desk = Desk(app.store, "desk", "a", date(2020, 4, 1))
    record_receipt(desk, RecordReceipt(date(2020, 3, 2), "in-person", "natural", "R1"))
    grant_extension(desk, "R1", date(2020, 3, 20), 5, "head")
    forged = DeadlineSet(due=date(2020, 3, 31), reason="typed by hand")
    app.store.append(stream_of("R1"), [NewEvent(forged, date(2020, 3, 21))],
                     expected_version=app.store.stream_version(stream_of("R1")),
                     actor="x", agency="a")  # fmt: skip
    seen: list[str] = []
    app.db.connection().set_trace_callback(seen.append)
    checked = verify_log(app.store)
    app.db.connection().set_trace_callback(None)
    pages = [s for s in seen if s.startswith("SELECT position, stream_id")]
    assert len(pages) == 1
    assert checked.verified == app.store.verify_chain().verified == app.store.last_position()
    assert checked.audit == audit_deadlines(app.store)
    assert len(checked.audit.mismatches) == 1
    app.close()
