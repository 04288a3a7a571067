"""`ledger notice`: the desk writes a step's letter, and the log shows it was issued."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

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
