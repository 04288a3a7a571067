"""`ledger notice`: the desk writes a step's letter, and the log shows it was issued."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest

from ledger.bootstrap import App, bootstrap
from ledger.commands._once import RACE_RETRIES
from ledger.commands.requests import grant_extension
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.events.store import EventStore
from tests.e2e.cli_runner import LedgerCli


@pytest.fixture
def ledger(tmp_path: Path) -> LedgerCli:
    """A request of 1 March 2021 from 张三, asked on 3 March to correct it."""
    cli = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    cli.ok(
        "record", "receive", "R1", "--date", "2021-03-01", "--channel", "当面",
        "--applicant", "自然人", "--name", "张三", "--phone", "13800000000",
    )  # fmt: skip
    cli.ok("record clarify R1 --date 2021-03-03 --reply-by 2021-03-17")
    return cli


def test_a_text_notice_is_printed_and_recorded(ledger: LedgerCli) -> None:
    """`--format text` prints the letter; the confirmation goes to stderr; show lists it."""
    ran = ledger("notice", "R1", "回执", "--format", "text")
    assert ran.code == 0, ran.err
    assert ran.out.startswith("登记回执\n")
    assert "张三：" in ran.out
    assert "收到申请的时间为2021年3月1日" in ran.out
    assert "recorded #" in ran.err
    issued = [line for line in ledger("show", "R1").out.splitlines() if "notice-issued (" in line]
    assert len(issued) == 1
    assert "kind=receipt" in issued[0]


def test_a_docx_notice_is_written_to_the_file_named(ledger: LedgerCli, tmp_path: Path) -> None:
    """A 补正告知书 goes to --output as a Word letter listing the items given."""
    target = tmp_path / "补正.docx"
    ran = ledger(
        "notice", "R1", "补正告知书", "--items", "请写明信息名称",
        "--text", "请写明时间范围\n请写明用途", "-o", str(target),
    )  # fmt: skip
    assert ran.code == 0, ran.err
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(target.read_bytes())).paragraphs)
    assert "1. 请写明信息名称\n2. 请写明时间范围\n3. 请写明用途" in text
    assert "请您于2021年3月17日前将补正后的申请提交本机关" in text


def test_a_notice_for_a_step_not_taken_is_refused_in_one_line(ledger: LedgerCli) -> None:
    """An extension letter for a request never extended is refused; the log is unchanged."""
    before = ledger.snapshot()
    ran = ledger("notice", "R1", "延期答复告知书", "--format", "text")
    assert ran.refusal() == (
        "ledger: notice extension: request R1 has no extension-granted step; "
        "record `ledger record extend` first"
    )
    assert ledger.snapshot() == before


def test_an_unknown_kind_is_refused_listing_the_kinds(ledger: LedgerCli) -> None:
    """A kind that is not a notice is refused naming the kinds allowed."""
    ran = ledger("notice", "R1", "通知", "--format", "text")
    assert "KIND: '通知' is not a notice kind; use one of receipt (登记回执)" in ran.refusal()


def test_a_draft_is_not_recorded(ledger: LedgerCli) -> None:
    """`--draft` prints the letter and records nothing."""
    before = ledger.snapshot()
    ran = ledger("notice", "R1", "receipt", "--format", "text", "--draft")
    assert ran.code == 0, ran.err
    assert ledger.snapshot() == before


def notices_issued(cli: LedgerCli) -> int:
    """How many request.notice-issued events the log holds."""
    return int(cli.sql("SELECT count(*) FROM events WHERE type = 'request.notice-issued'")[0][0])


def letter(path: Path) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(path.read_bytes())).paragraphs]


def test_a_notice_retried_with_its_command_id_is_recorded_once(
    ledger: LedgerCli, tmp_path: Path
) -> None:
    """Without --command-id the id is printed on stderr; given again, the same letter is
    written and nothing new recorded, and the clerk is told so."""
    target = tmp_path / "回执.docx"
    first = ledger("notice", "R1", "receipt", "-o", str(target))
    assert first.code == 0, first.err
    hint = first.err.strip().splitlines()[-1]
    command_id = hint.removeprefix("command id: ").split(";")[0]
    assert hint == f"command id: {command_id}; give --command-id {command_id} to retry safely"
    written = letter(target)
    target.unlink()
    again = ledger("notice", "R1", "receipt", "-o", str(target), "--command-id", command_id)
    assert again.code == 0, again.err
    assert again.err.splitlines()[0] == (
        f"command {command_id} was already recorded; nothing new was stored"
    )
    assert again.out.strip() == first.out.strip()  # the same position recorded
    assert letter(target) == written
    assert notices_issued(ledger) == 1
    assert ledger("verify").code == 0


def test_a_retried_notice_is_told_in_chinese(tmp_path: Path, chinese: None) -> None:
    """In Chinese (the default): the retry says it was already recorded, one notice."""
    cli = LedgerCli(tmp_path / "desk.db", "2021-03-31", lang=None)
    cli.ok(RECEIVE)
    for _ in range(2):
        ran = cli("notice R1 回执 --format text --command-id desk-1-notice")
        assert ran.code == 0, ran.err
        assert ran.out.startswith("登记回执\n")
    assert ran.err.splitlines()[0] == "命令 desk-1-notice 已登记过；未保存新的内容"
    assert notices_issued(cli) == 1


RECEIVE = "record receive R1 --date 2021-03-01 --channel in-person --applicant natural"


def _overtaken(monkeypatch: pytest.MonkeyPatch, cli: LedgerCli) -> App:
    """Another desk (its own connection) extends R1 by one working day right before each
    of the command's appends to R1: a step recorded after the notice read the request.
    The other desk's app, to close."""
    head = bootstrap(f"sqlite:///{cli.db}", Config(), actor="head",
                     clock=FixedClock(date(2021, 3, 31)), ensure=False)  # fmt: skip
    append = EventStore.append

    def overtaken(store: EventStore, stream_id: str, *args: Any, **kwargs: Any) -> Any:
        if store is not head.store and stream_id == "request-R1":
            grant_extension(head.desk(), "R1", date(2021, 3, 31), 1, "王主任")
        return append(store, stream_id, *args, **kwargs)

    monkeypatch.setattr(EventStore, "append", overtaken)
    return head


@pytest.mark.parametrize(
    ("lang", "told"),
    [
        (None, "ledger：notice extension：撰写文书期间申请 R1 发生了变化（另一个登记台登记了办理"
               f"环节，已连续尝试 {RACE_RETRIES} 次）；未登记也未写出任何内容：请用 `ledger show "
               "R1` 查看后重新出具文书"),
        ("en", "ledger: notice extension: request R1 changed while its letter was being written "
               f"(another desk recorded a step, {RACE_RETRIES} tries in a row); nothing was "
               "recorded or written: check it with `ledger show R1` and write the notice again"),
    ],
)  # fmt: skip
def test_a_request_changed_at_every_try_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str | None, told: str
) -> None:
    """Another desk records a step on R1 before each append of the notice: one line
    saying R1 changed and to write the notice again, exit status 3, no notice recorded
    and no file left behind; typed again, it goes through."""
    if lang is None:
        monkeypatch.delenv("LEDGER_LANG", raising=False)
    cli = LedgerCli(tmp_path / "desk.db", "2021-03-31", lang=lang)
    cli.ok(RECEIVE)
    cli.ok("record extend R1 --date 2021-03-20 --days 5 --approver 王主任")
    target = tmp_path / "letters" / "延期.docx"
    target.parent.mkdir()
    with monkeypatch.context() as patched:
        head = _overtaken(patched, cli)
        try:
            ran = cli("notice", "R1", "extension", "-o", str(target))
        finally:
            head.close()
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == f"{told}\n"
    assert notices_issued(cli) == 0
    assert list(target.parent.iterdir()) == []
    assert cli("notice", "R1", "extension", "-o", str(target)).code == 0
    assert notices_issued(cli) == 1
    assert "1个工作日" in "\n".join(letter(target))


def test_a_step_recorded_meanwhile_gives_the_letter_of_the_new_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One step by another desk between the read and the append: the letter is written
    again from the new events (the 1-day extension) and recorded once after that step."""
    cli = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    cli.ok(RECEIVE)
    cli.ok("record extend R1 --date 2021-03-20 --days 5 --approver 王主任")
    raced = iter([True])
    append = EventStore.append
    head = bootstrap(f"sqlite:///{cli.db}", Config(), actor="head",
                     clock=FixedClock(date(2021, 3, 31)), ensure=False)  # fmt: skip

    def once_overtaken(store: EventStore, stream_id: str, *args: Any, **kwargs: Any) -> Any:
        if store is not head.store and stream_id == "request-R1" and next(raced, False):
            grant_extension(head.desk(), "R1", date(2021, 3, 31), 1, "王主任")
        return append(store, stream_id, *args, **kwargs)

    monkeypatch.setattr(EventStore, "append", once_overtaken)
    try:
        ran = cli("notice R1 extension --format text")
    finally:
        head.close()
    assert ran.code == 0, ran.err
    assert "1个工作日" in ran.out
    assert notices_issued(cli) == 1
    positions = cli.sql("SELECT type FROM events WHERE stream_id = 'request-R1' ORDER BY version")
    assert [t for (t,) in positions][-3:] == [
        "request.extension-granted", "request.deadline-set", "request.notice-issued",
    ]  # fmt: skip


def test_an_output_that_cannot_be_written_is_refused_before_recording(
    ledger: LedgerCli, tmp_path: Path
) -> None:
    """--output in a folder that does not exist: one line naming it, nothing recorded."""
    before = ledger.snapshot()
    target = tmp_path / "missing" / "回执.docx"
    ran = ledger("notice", "R1", "receipt", "-o", str(target))
    assert ran.refusal() == f"ledger: --output: cannot write {target}: No such file or directory"
    assert ledger.snapshot() == before
