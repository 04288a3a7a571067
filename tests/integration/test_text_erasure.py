"""Free text typed at a desk lives outside the log and is gone for good when erased.

A subject naming a person, an extension's approver, a consulted party and the reasons of
a deferral and a correction: the events carry references only; after ``applicant erase``
no byte of them is left in the SQLite file, its -wal or its -shm (another connection open
throughout), and on PostgreSQL the table holds only ciphertext whose key is deleted. The
log verifies, the figures of the annual report do not change, and readers say "erased".
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import ClassVar

import psycopg
import pytest

from ledger.bootstrap import bootstrap
from ledger.commands.requests import end_consultation
from ledger.events import requests as ev
from ledger.events.store import NO_STREAM, NewEvent
from ledger.events.types import register
from ledger.projections.queries import find_requests, list_requests, show_request
from tests.e2e.cli_runner import LedgerCli
from tests.integration.test_roles import RoleCli

SUBJECT = "关于李秀英家宅基地的审批文件"
PARTY = "赵建国（相邻权利人）"
APPROVER = "钱副局长Qian"
DEFERRAL = "孙志强一次提交三百项申请"
CORRECTION = "录入错误，周婷婷告知"
TEXTS = (SUBJECT, PARTY, APPROVER, DEFERRAL, CORRECTION)
NAME = "王小明Wang"


def _record(cli: LedgerCli) -> None:
    """One request whose every free-text field names someone, from receipt to decision."""
    steps = [
        ("record", "receive", "R1", "--date", "2021-03-01", "--channel", "in-person",
         "--applicant", "natural", "--name", NAME, "--subject", SUBJECT),
        ("record", "consult", "R1", "--date", "2021-03-02", "--party", PARTY),
        ("record", "consulted", "R1", "--date", "2021-03-05", "--party", PARTY),
        ("record", "extend", "R1", "--date", "2021-03-26", "--days", "10",
         "--approver", APPROVER),
        ("record", "defer", "R1", "--date", "2021-03-29", "--until", "2021-05-31",
         "--reason", DEFERRAL),
        ("record", "correct", "R1", "--channel", "mail", "--reason", CORRECTION),
        ("record", "decide", "R1", "--date", "2021-03-30", "--outcome", "disclosed"),
    ]  # fmt: skip
    for step in steps:
        done = cli(*step)
        assert done.code == 0, (step, done.err)


def _figures(cli: LedgerCli) -> object:
    """The annual report's tables as JSON (what erasure must not change)."""
    return cli("report", "2021", "--format", "json").json()


def _files(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def test_on_sqlite_erased_texts_leave_no_bytes_in_the_file_wal_or_shm(tmp_path: Path) -> None:
    """Before: readers show every text, the log holds none. After ``applicant erase``: no text
    and no key in the file, -wal or -shm while another connection stayed open; verify passes,
    the report's figures are unchanged and readers show the texts as erased."""
    path = tmp_path / "desk.db"
    cli = LedgerCli(path, "2021-03-31")
    _record(cli)
    shown = cli("show", "R1", "--format", "json").json()
    said = json.dumps(shown, ensure_ascii=False)
    for text in TEXTS:
        assert text in said, text
    assert "李秀英" in cli("find", "李秀英").out  # found by a part of the subject
    before = _figures(cli)
    other = sqlite3.connect(path, isolation_level=None)  # the scheduler, say: open throughout
    try:
        logged = [r[0] for r in other.execute("SELECT CAST(data AS TEXT) FROM events")]
        for text in TEXTS:
            assert not any(text in data for data in logged), text  # references only
        keys = [k for (k,) in other.execute("SELECT key FROM text_keys")]
        assert keys
        content = b"".join(f.read_bytes() for f in _files(path) if f.exists())
        assert all(key in content for key in keys)  # the scan sees what erasure must remove
        for text in TEXTS:
            assert text.encode() not in content, text  # sealed from the start
        erased = cli("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes")
        assert erased.code == 0, erased.err
        assert other.execute("SELECT count(*) FROM texts WHERE body IS NOT NULL").fetchone() == (0,)
        for f in _files(path):
            content = f.read_bytes() if f.exists() else b""
            for key in keys:
                assert key not in content, f.name
            for value in (*TEXTS, NAME):
                assert value.encode() not in content, (f.name, value)
    finally:
        other.close()
    assert cli("verify").code == 0
    assert _figures(cli) == before
    after = cli("show", "R1", "--format", "json").json()
    assert after["subject"] == "[erased]"
    said = json.dumps(after, ensure_ascii=False)
    assert not any(text in said for text in TEXTS)
    assert "R1" not in cli("find", "李秀英").out
    logged = cli("log", "--format", "json")
    assert "texts.erased" in logged.out
    assert "withdrawn consent" in logged.out


def test_erase_text_erases_one_request_without_applicant_data(tmp_path: Path) -> None:
    """A request recorded without applicant data: ``erase-text`` removes its subject alone,
    says how many texts went, and records the erasure; the Chinese reader shows 〔已删除〕."""
    cli = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    for request, subject in (("R1", SUBJECT), ("R2", "另一件申请")):
        assert cli("record", "receive", request, "--date", "2021-03-01", "--channel", "fax",
                   "--applicant", "business", "--subject", subject).code == 0  # fmt: skip
    done = cli("applicant", "erase-text", "R1", "--basis", "third party's request", "--yes")
    assert done.code == 0, done.err
    assert "R1" in done.out
    assert "erased" in done.out
    listed = cli("list", "--format", "json").json()
    assert {r["id"]: r["subject"] for r in listed} == {"R1": "[erased]", "R2": "另一件申请"}
    chinese = LedgerCli(tmp_path / "desk.db", "2021-03-31", lang=None)
    assert "〔已删除〕" in chinese("show", "R1").out
    assert cli("verify").code == 0


@pytest.mark.postgres
def test_on_postgres_texts_are_ciphertext_and_their_key_is_deleted(
    pg_url: str, tmp_path: Path
) -> None:
    """The events name no text; the table holds ciphertext that the request's key opens;
    after erasure the key is gone and the texts are NULL, another connection open throughout.
    """
    from ledger.applicants import unseal

    cli = RoleCli(pg_url, tmp_path)
    cli.ok("init")
    _record(cli)
    before = _figures(cli)
    with psycopg.connect(pg_url, autocommit=True) as other:
        logged = [r[0] for r in other.execute("SELECT data::text FROM events")]
        for text in TEXTS:
            assert not any(text in data for data in logged), text
        (key,) = other.execute("SELECT key FROM text_keys").fetchone() or (None,)
        bodies = [b for (b,) in other.execute("SELECT body FROM texts")]
        assert not any(text in b for b in bodies for text in TEXTS)
        opened = {unseal(key, b) for b in bodies}
        assert set(TEXTS) <= opened
        assert cli("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes").code == 0
        assert other.execute("SELECT count(*) FROM text_keys").fetchone() == (0,)
        assert other.execute("SELECT count(*) FROM texts WHERE body IS NOT NULL").fetchone() == (0,)
    assert cli("verify").code == 0
    assert _figures(cli) == before
    assert cli("show", "R1", "--format", "json").json()["subject"] == "[erased]"


# -- books written before texts were kept apart -------------------------------------------


class OldReceived(ev.RequestReceived):
    """``request.received`` as ledger wrote it before revision 0004: the subject in the event."""

    free_text: ClassVar[tuple[str, ...]] = ()


class OldConsultationStarted(ev.ConsultationStarted):
    """A consultation as ledger wrote it before revision 0004: the party in the event."""

    free_text: ClassVar[tuple[str, ...]] = ()


@pytest.fixture
def old_writer() -> Iterator[None]:
    """Register the old shapes for a while, as an older ledger had them."""
    register(OldReceived, OldConsultationStarted, replace=True)
    try:
        yield
    finally:
        register(ev.RequestReceived, ev.ConsultationStarted, replace=True)


def test_old_books_with_literal_text_read_verify_and_travel(
    tmp_path: Path, old_writer: None
) -> None:
    """A log whose events carry their text still reads (show, find, list), a new step ends a
    consultation recorded the old way, and export -> import keeps the chain and every text."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    cli = LedgerCli(tmp_path / "old.db", "2021-03-31")
    app = bootstrap(url)
    try:
        received = OldReceived(request_id="R1", channel="in-person", applicant="natural",
                               received_on=date(2021, 3, 1), submitted_on=date(2021, 3, 1),
                               subject=SUBJECT)  # fmt: skip
        consult = OldConsultationStarted(party=PARTY)
        for event, on in ((received, "2021-03-01"), (consult, "2021-03-02")):
            app.store.append(ev.stream_of("R1"), [NewEvent(event, date.fromisoformat(on))],
                             expected_version=NO_STREAM if event is received else 1,
                             actor="clerk", agency="default")  # fmt: skip
        register(ev.RequestReceived, ev.ConsultationStarted, replace=True)
        logged = [e.data for e in app.store.read_stream(ev.stream_of("R1"))]
        assert logged[0]["subject"] == SUBJECT
        assert logged[1]["party"] == PARTY
        desk = app.desk(today=date(2021, 3, 31))
        ended = end_consultation(desk, "R1", date(2021, 3, 5), PARTY)
        assert ended.state.consultations[0].ended_on == date(2021, 3, 5)
        assert [r.subject for r in list_requests(app)] == [SUBJECT]
        assert [f.row.id for f in find_requests(app, "李秀英", personal=False)] == ["R1"]
        steps = show_request(app, "R1").events
        assert steps[1]["data"]["party"] == PARTY
        assert steps[-2]["data"]["party"] == PARTY
    finally:
        app.close()
    assert cli("verify").code == 0
    export = tmp_path / "log.jsonl"
    assert cli("export", "events", "--output", str(export)).code == 0
    (tmp_path / "copy").mkdir()
    copy = LedgerCli(tmp_path / "copy" / "new.db", "2021-03-31")
    restored = copy("import", str(export))
    assert restored.code == 0, restored.err
    assert copy("verify").code == 0
    assert copy("list", "--format", "json").json()[0]["subject"] == SUBJECT
    assert PARTY in copy("show", "R1").out


def test_export_import_carries_texts_kept_apart_and_erased_ones_stay_erased(
    tmp_path: Path,
) -> None:
    """``export events`` -> ``import`` into new books: the same chain, the texts readable,
    an erased one still erased (it travels as a reference only)."""
    cli = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    _record(cli)
    assert cli("record", "receive", "R2", "--date", "2021-03-01", "--channel", "fax",
               "--applicant", "business", "--subject", "另一件申请").code == 0  # fmt: skip
    assert cli("applicant", "erase-text", "R2", "--basis", "request", "--yes").code == 0
    export = tmp_path / "log.jsonl"
    assert cli("export", "events", "--output", str(export)).code == 0
    assert "另一件申请" not in export.read_text(encoding="utf-8")
    assert SUBJECT not in export.read_text(encoding="utf-8")  # sealed
    (tmp_path / "copy").mkdir()
    copy = LedgerCli(tmp_path / "copy" / "new.db", "2021-03-31")
    assert copy("import", str(export)).code == 0
    assert copy("verify").code == 0
    rows = {r["id"]: r["subject"] for r in copy("list", "--format", "json").json()}
    assert rows == {"R1": SUBJECT, "R2": "[erased]"}
    assert _figures(copy) == _figures(cli)


def test_the_log_as_json_carries_its_texts_into_other_books(tmp_path: Path) -> None:
    """``ledger log --format json`` keeps each payload as stored (references) and gives the
    texts beside it, so its lines import into other books with their subject; an erased text
    travels as null and imports as the placeholder. A line with a reference and no text is
    refused naming the field, and nothing is written."""
    cli = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    for request, subject in (("R1", SUBJECT), ("R2", "另一件申请")):
        assert cli("record", "receive", request, "--date", "2021-03-01", "--channel", "fax",
                   "--applicant", "business", "--subject", subject).code == 0  # fmt: skip
    assert cli("applicant", "erase-text", "R2", "--basis", "request", "--yes").code == 0
    logged = [json.loads(line) for line in cli("log", "--format", "json").out.splitlines()]
    records = [r for r in logged if r["type"] != "texts.erased"]  # not a desk's step
    received = [r for r in records if r["type"] == "request.received"]
    assert all("subject" not in r["data"] for r in received)
    assert [list(r["texts"].values()) for r in received] == [[SUBJECT], [None]]
    lines = tmp_path / "log.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (tmp_path / "other").mkdir()
    other = LedgerCli(tmp_path / "other" / "desk.db", "2021-03-31")
    assert other("import", str(lines), "--backdated", "history").code == 0
    rows = {r["id"]: r["subject"] for r in other("list", "--format", "json").json()}
    assert rows == {"R1": SUBJECT, "R2": "[erased]"}
    bare = [{k: v for k, v in r.items() if k != "texts"} for r in records]
    lines.write_text("".join(json.dumps(r) + "\n" for r in bare), encoding="utf-8")
    (tmp_path / "third").mkdir()
    third = LedgerCli(tmp_path / "third" / "desk.db", "2021-03-31")
    refused = third("import", str(lines), "--backdated", "history")
    assert refused.code != 0
    assert "subject_ref" in refused.err
    assert "Traceback" not in refused.err
    assert third("list", "--format", "json").json() == []
