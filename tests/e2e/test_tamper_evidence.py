"""Tampering by someone who can drop the triggers, caught by anchors kept outside the database.

Each case rewrites the ``events`` table directly, as a database administrator can, after
``ledger verify --anchor`` wrote two heads to a file; ``ledger verify --against-file``
must then fail (exit 4) naming the first bad position and the kind of change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ledger.bootstrap import App, bootstrap
from ledger.events import codec
from ledger.events.schema import drop_trigger_ddl
from ledger.events.store import NewEvent
from tests.e2e.cli_runner import LedgerCli
from tests.probe_events import Noted

Row = dict[str, Any]


def _note(app: App, stream: str, text: str) -> None:
    version = app.store.stream_version(stream)
    event = NewEvent(Noted(text=text), date(2020, 1, 2))
    app.store.append(stream, [event], expected_version=version, actor="clerk", agency="a")


def _rows(app: App) -> list[Row]:
    return [e._asdict() for e in app.store.read_all()]


def _hash(previous: str, r: Row) -> str:
    return codec.chain_hash(
        previous, position=r["position"], stream_id=r["stream_id"], version=r["version"],
        type_name=r["type"], schema_version=r["schema_version"], data=r["data"],
        effective_date=r["effective_date"], recorded_at=r["recorded_at"], actor=r["actor"],
        agency=r["agency"], command_id=r["command_id"],
    )  # fmt: skip


def _rehash(rows: list[Row]) -> list[Row]:
    """Renumber from 1 and recompute every hash: what a forger who knows the scheme does."""
    previous, out = codec.GENESIS, []
    for number, r in enumerate(rows, 1):
        fixed = {**r, "position": number}
        fixed["hash"] = previous = _hash(previous, fixed)
        out.append(fixed)
    return out


def _rewrite(app: App, rows: list[Row]) -> None:
    """Replace the whole log by ``rows`` with the triggers dropped."""
    sqlite = app.store.dialect == "sqlite"
    data = ":data" if sqlite else "CAST(:data AS jsonb)"
    insert = sa.text(
        "INSERT INTO events (position, stream_id, version, type, schema_version, data, "
        "effective_date, recorded_at, actor, agency, command_id, hash) VALUES (:position, "
        f":stream_id, :version, :type, :schema_version, {data}, :effective_date, :recorded_at, "
        ":actor, :agency, :command_id, :hash)"
    )
    with app.engine.begin() as conn:
        for statement in drop_trigger_ddl(app.store.dialect):
            conn.execute(sa.text(statement))
        conn.execute(sa.text("DELETE FROM events"))
        for r in rows:
            params = {**r, "data": codec.dumps(r["data"])}
            if sqlite:
                params["effective_date"] = r["effective_date"].isoformat()
                params["recorded_at"] = r["recorded_at"].isoformat(" ", "microseconds")
            conn.execute(insert, params)


def _forged(r: Row, text: str) -> Row:
    return {**r, "data": {**r["data"], "text": text}}


def _edit(rows: list[Row]) -> list[Row]:
    return [_forged(r, "changed") if r["position"] == 3 else r for r in rows]


def _swap(rows: list[Row]) -> list[Row]:
    third, fourth = rows[2], rows[3]
    return [*rows[:2], {**fourth, "position": 3}, {**third, "position": 4}, *rows[4:]]


def _insert(rows: list[Row]) -> list[Row]:
    shifted = [{**r, "position": r["position"] + 1} for r in rows[2:]]
    return [
        *rows[:2],
        {**_forged(rows[2], "forged"), "position": 3, "stream_id": "forged", "version": 1},
        *shifted,
    ]


def _insert_hashed(rows: list[Row]) -> list[Row]:
    """An event put in at 3 with the hash it would have there; the rest shifted."""
    inserted = _insert(rows)
    inserted[2]["hash"] = _hash(rows[1]["hash"], inserted[2])
    return inserted


def _append_forged(rows: list[Row]) -> list[Row]:
    """The last three cut off and three forged ones appended, hashed correctly."""
    return _rehash([*rows[:5], *(_forged(r, "forged") for r in rows[5:])])


def _delete_request(rows: list[Row]) -> list[Row]:
    return _rehash([r for r in rows if r["stream_id"] != "request-2"])


CASES: dict[str, tuple[Callable[[list[Row]], list[Row]], str]] = {
    "edit": (_edit, "position 3: altered contents"),
    "delete middle": (lambda rows: [r for r in rows if r["position"] != 3], "position 3: deleted"),
    "delete tail": (lambda rows: rows[:5], "position 6: truncated tail"),
    "delete last": (lambda rows: rows[:-1], "position 8: truncated tail"),
    "insert": (_insert, "position 3: inserted"),
    "insert hashed": (_insert_hashed, "position 3: inserted: the event at 3 was put in"),
    "swap": (_swap, "position 3: swapped: the events at 3 and 4 changed places"),
    "append forged": (_append_forged, "position 4: rewritten chain"),
    "full rewrite": (lambda rows: _rehash(_edit(rows)), "position 1: rewritten chain"),
    "delete request": (_delete_request, "position 1: rewritten chain"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_tampering_is_caught_by_an_earlier_anchor(case: str, db_url: str, tmp_path: Path) -> None:
    """Each kind of tampering fails `verify --against-file` naming its position and kind."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    anchors = tmp_path / "anchors.txt"
    app = bootstrap(db_url)
    try:
        for i in range(8):
            _note(app, f"request-{i % 3}", f"note {i}")
            if i + 1 in (3, 8):
                kept = ledger("--db", db_url, "verify", "--anchor-file", str(anchors))
                assert kept.code == 0, kept.err
        assert ledger("--db", db_url, "verify", "--against-file", str(anchors)).code == 0
        tamper, expected = CASES[case]
        _rewrite(app, tamper(_rows(app)))
    finally:
        app.close()
    caught = ledger("--db", db_url, "verify", "--against-file", str(anchors))
    assert caught.code == 4, caught.out
    assert expected in caught.err
    assert len(caught.err.strip().splitlines()) == 1


def test_the_nightly_run_keeps_the_head_in_the_anchor_file(tmp_path: Path) -> None:
    """Each `scheduler --once` appends the head to [scheduler] anchor_file; verify proves them."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    anchors = tmp_path / "kept" / "anchors.txt"
    anchors.parent.mkdir()
    config = tmp_path / "ledger.toml"
    config.write_text(f'[scheduler]\nanchor_file = "{anchors}"\n', encoding="utf-8")
    app = bootstrap(f"sqlite:///{ledger.db}")
    try:
        _note(app, "request-1", "first")
        first = ledger("--config", str(config), "scheduler", "--once")
        _note(app, "request-1", "second")
        second = ledger("--config", str(config), "scheduler", "--once")
        heads = [e.position for e in app.store.read_all()][-1]
    finally:
        app.close()
    assert (first.code, second.code) == (0, 0), first.err + second.err
    lines = anchors.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"ledger-anchor {heads}:")
    proved = ledger("verify", "--against-file", str(anchors))
    assert proved.code == 0, proved.err
    assert "2 anchors hold" in proved.out


def test_an_anchor_file_in_a_missing_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    """[scheduler] anchor_file in a folder that does not exist is refused when the file is read."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    config = tmp_path / "ledger.toml"
    config.write_text(f'[scheduler]\nanchor_file = "{tmp_path}/none/a.txt"\n', encoding="utf-8")
    refused = ledger("--config", str(config), "scheduler", "--once")
    assert refused.code != 0
    assert "anchor_file" in refused.err
    assert len(refused.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--against", "12:abc"), "--against: '12:abc' is not an anchor"),
        (("--against", f"0:{'a' * 64}"), "--against: "),
        (("--against-file", "/nonexistent/anchors.txt"), "--against-file: cannot read"),
        (("--anchor",), "--anchor: the log is empty"),
    ],
)
def test_bad_anchors_are_refused_in_one_line(
    args: tuple[str, ...], needle: str, tmp_path: Path
) -> None:
    """A malformed anchor, an unreadable anchor file or an empty log is refused in one line."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    assert ledger("init").code == 0
    refused = ledger("verify", *args)
    assert refused.code == 2, refused.err
    assert needle in refused.err
    assert len(refused.err.strip().splitlines()) == 1
