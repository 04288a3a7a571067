"""The log commands as an auditor runs them: init, verify, log, import.

They run in-process (``LedgerCli``); the exit status of a failed verification is also
checked on the real console script, since that status is what an auditor's script sees.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.events.schema import drop_trigger_ddl
from tests.e2e.cli_runner import LedgerCli


def _import_file(tmp_path: Path, lines: list[object]) -> Path:
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    return path


@pytest.fixture
def ledger(tmp_path: Path) -> LedgerCli:
    """The command on a private SQLite file (``desk.db`` in ``tmp_path``)."""
    return LedgerCli(tmp_path / "desk.db", "2021-03-31")


NOTE = {"stream": "calendar", "type": "calendar.schedule-recorded", "effective_date": "2020-01-01"}


def test_init_is_idempotent(ledger: LedgerCli, tmp_path: Path) -> None:
    """Running init twice creates the schema once and then says it is up to date."""
    fresh = tmp_path / "books" / "fresh.db"
    first = ledger("--db", str(fresh), "init")
    second = ledger("--db", str(fresh), "init")
    assert first.code == 0, first.err
    assert first.out.startswith(f"{fresh}: schema created")
    assert "up to date" in second.out


def test_verify_names_the_tampered_position(ledger: LedgerCli, tmp_path: Path) -> None:
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
    assert ok.code == 0
    assert "4 events verified" in ok.out
    with app.engine.begin() as conn:
        for statement in drop_trigger_ddl("sqlite"):
            conn.execute(sa.text(statement))
        conn.execute(sa.text("UPDATE events SET actor = 'mallory' WHERE position = 3"))
    app.close()
    bad = ledger("verify")
    assert bad.code == 4
    assert "position 3" in bad.err
    assert "Traceback" not in bad.err
    script = ledger.process("verify")
    assert (script.code, script.err) == (bad.code, bad.err)


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
    ledger: LedgerCli, args: tuple[str, ...], needle: str
) -> None:
    """A malformed URL or an unreachable server gives one line and a non-zero exit."""
    result = ledger(*args)
    assert result.code != 0
    assert needle in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err


def test_import_refuses_bad_lines_and_writes_nothing(ledger: LedgerCli, tmp_path: Path) -> None:
    """An unknown type or an invalid payload in an import is named with its line; nothing is written."""
    good = {**NOTE, "data": {"year": 2027, "holidays": {}, "workdays": [], "source": "recorded"}}
    for bad, needle in [
        ({**NOTE, "type": "no.such", "data": {}}, "'no.such' is unknown"),
        ({**NOTE, "data": {"year": "soon"}}, "field 'year'"),
        ({**NOTE, "data": good["data"], "effective_date": "2020-13-01"}, "effective_date"),
    ]:
        result = ledger("import", str(_import_file(tmp_path, [good, bad])))
        assert result.code == 2, result.err
        assert needle in result.err
        head, *problems = result.err.strip().splitlines()
        assert (
            head == f"ledger: 1 bad line in {tmp_path / 'history.jsonl'}; nothing was imported"
        )
        assert len(problems) == 1
        assert problems[0].startswith(f"{tmp_path / 'history.jsonl'}:2: ")
    assert ledger("log").out == ""


def test_log_shows_events_as_text_and_json(ledger: LedgerCli, tmp_path: Path) -> None:
    """log prints each event on a line, as text or as JSON with every stored field."""
    data = {"year": 2027, "holidays": {}, "workdays": [], "source": "recorded"}
    path = _import_file(
        tmp_path, [{**NOTE, "data": data}, {**NOTE, "data": {**data, "year": 2028}}]
    )
    assert ledger("import", str(path)).code == 0
    text = ledger("log").out.splitlines()
    assert len(text) == 2
    assert "calendar.schedule-recorded" in text[0]
    rows = [
        json.loads(line)
        for line in ledger("log", "--since", "1", "--format", "json").out.splitlines()
    ]
    assert [r["position"] for r in rows] == [2]
    assert rows[0]["stream_id"] == "calendar"
    assert rows[0]["data"]["year"] == 2028
    assert set(rows[0]) >= {"hash", "recorded_at", "actor", "agency", "effective_date", "data"}
    only = ledger("log", "--stream", "calendar").out.splitlines()
    assert len(only) == 2


@pytest.mark.postgres
def test_verify_names_the_tampered_position_on_postgres(ledger: LedgerCli, pg_url: str) -> None:
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
    assert ledger("--db", pg_url, "verify").code == 0
    with app.engine.begin() as conn:
        for statement in drop_trigger_ddl("postgresql"):
            conn.execute(sa.text(statement))
        conn.execute(
            sa.text('UPDATE events SET data = \'{"text": "x", "amount": "0"}\' WHERE position = 2')
        )
    app.close()
    bad = ledger("--db", pg_url, "verify")
    assert bad.code == 4
    assert "position 2" in bad.err


def test_projections_status_and_rebuild(ledger: LedgerCli) -> None:
    """`projections status` shows the checkpoint at the log head; `rebuild` keeps it there."""
    ledger.ok("record", "receive", "P-1", "--date", "2021-03-30", "--channel", "in-person",
              "--applicant", "natural")  # fmt: skip
    status = ledger("projections", "status")
    assert status.code == 0, status.err
    head = len(ledger("log").out.splitlines())
    assert status.out.strip() == f"requests: position {head} of {head} (up to date)"
    rebuilt = ledger("projections", "rebuild")
    assert rebuilt.code == 0, rebuilt.err
    assert rebuilt.out == status.out
