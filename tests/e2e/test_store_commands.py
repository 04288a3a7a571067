"""The log commands as an auditor runs them: init, verify, log, import."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.events.schema import drop_trigger_ddl
from tests.e2e.conftest import Run


def _import_file(tmp_path: Path, lines: list[object]) -> Path:
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    return path


NOTE = {"stream": "s-1", "type": "calendar.schedule-recorded", "effective_date": "2020-01-01"}


def test_init_is_idempotent(ledger: Run) -> None:
    """Running init twice creates the schema once and then says it is up to date."""
    first = ledger("init")
    second = ledger("init")
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    assert "up to date" in second.stdout


def test_verify_names_the_tampered_position(ledger: Run, tmp_path: Path) -> None:
    """After a row is altered behind the triggers' back, verify exits non-zero naming it."""
    from ledger.bootstrap import bootstrap
    from ledger.events.store import NewEvent
    from tests.probe_events import Noted

    app = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}")
    for i in range(4):
        app.store.append(
            "s",
            [NewEvent(Noted(text=str(i)), date(2020, 1, 2))],
            expected_version=i,
            actor="x",
            agency="a",
        )
    ok = ledger("verify")
    assert ok.returncode == 0
    assert "4 events verified" in ok.stdout
    with app.engine.begin() as conn:
        for statement in drop_trigger_ddl("sqlite"):
            conn.execute(sa.text(statement))
        conn.execute(sa.text("UPDATE events SET actor = 'mallory' WHERE position = 3"))
    app.close()
    bad = ledger("verify")
    assert bad.returncode == 4
    assert "position 3" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ("--db", "mysql://root@localhost/x", "verify"),
            "--db: 'mysql' databases are not supported",
        ),
        (("--db", "://nonsense", "verify"), "--db"),
        (("--db", "postgresql://postgres@127.0.0.1:1/none", "verify"), "is unavailable"),
    ],
)
def test_bad_database_urls_fail_in_one_line(
    ledger: Run, args: tuple[str, ...], needle: str
) -> None:
    """A malformed URL or an unreachable server gives one line and a non-zero exit."""
    result = ledger(*args)
    assert result.returncode != 0
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_import_refuses_bad_lines_and_writes_nothing(ledger: Run, tmp_path: Path) -> None:
    """An unknown type or an invalid payload in an import is one line, and nothing is written."""
    good = {**NOTE, "data": {"year": 2027, "holidays": {}, "workdays": [], "source": "recorded"}}
    for bad, needle in [
        ({**NOTE, "type": "no.such", "data": {}}, "'no.such' is unknown"),
        ({**NOTE, "data": {"year": "soon"}}, "field 'year'"),
        ({**NOTE, "data": good["data"], "effective_date": "2020-13-01"}, "effective_date"),
    ]:
        result = ledger("import", str(_import_file(tmp_path, [good, bad])))
        assert result.returncode == 2, result.stderr
        assert needle in result.stderr
        assert "history.jsonl:2" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert ledger("log").stdout == ""


def test_log_shows_events_as_text_and_json(ledger: Run, tmp_path: Path) -> None:
    """log prints each event on a line, as text or as JSON with every stored field."""
    data = {"year": 2027, "holidays": {}, "workdays": [], "source": "recorded"}
    path = _import_file(tmp_path, [{**NOTE, "data": data}, {**NOTE, "stream": "s-2", "data": data}])
    assert ledger("import", str(path)).returncode == 0
    text = ledger("log").stdout.splitlines()
    assert len(text) == 2
    assert "calendar.schedule-recorded" in text[0]
    rows = [
        json.loads(line)
        for line in ledger("log", "--since", "1", "--format", "json").stdout.splitlines()
    ]
    assert [r["position"] for r in rows] == [2]
    assert rows[0]["stream_id"] == "s-2"
    assert set(rows[0]) >= {"hash", "recorded_at", "actor", "agency", "effective_date", "data"}
    only = ledger("log", "--stream", "s-1").stdout.splitlines()
    assert len(only) == 1


@pytest.mark.postgres
def test_verify_names_the_tampered_position_on_postgres(ledger: Run, pg_url: str) -> None:
    """On PostgreSQL, with the triggers dropped and a row altered, verify exits 4 naming it."""
    from ledger.bootstrap import bootstrap
    from ledger.events.store import NewEvent
    from tests.probe_events import Noted

    app = bootstrap(pg_url)
    for i in range(3):
        app.store.append(
            "s",
            [NewEvent(Noted(text=str(i)), date(2020, 1, 2))],
            expected_version=i,
            actor="x",
            agency="a",
        )
    assert ledger("--db", pg_url, "verify").returncode == 0
    with app.engine.begin() as conn:
        for statement in drop_trigger_ddl("postgresql"):
            conn.execute(sa.text(statement))
        conn.execute(
            sa.text('UPDATE events SET data = \'{"text": "x", "amount": "0"}\' WHERE position = 2')
        )
    app.close()
    bad = ledger("--db", pg_url, "verify")
    assert bad.returncode == 4
    assert "position 2" in bad.stderr
