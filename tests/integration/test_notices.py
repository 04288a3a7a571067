"""The letters of a request's steps, written for requests of the demonstration.

The demonstration is recorded once into a SQLite file; each test works on its own copy.
The dates a letter states are checked against what the log recorded independently of
the notices (the ``request.deadline-set`` events, the working calendar), and each letter
is read back from its .docx with python-docx.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import pytest

from ledger import demo
from ledger.applicants import Applicant
from ledger.bootstrap import App, bootstrap
from ledger.codes import OUTCOME_ARTICLES, OUTCOMES, REGULATION
from ledger.commands.applicants import erase_applicant
from ledger.commands.requests import RecordReceipt, record_receipt
from ledger.config import Config, parse_config
from ledger.dates import FixedClock
from ledger.errors import InvalidInput, RuleViolation
from ledger.events.requests import stream_of
from ledger.notices import NoticeOrder, build_notice, cn_date, issue_notice
from ledger.notices.render import check_pdf, pdf_converter
from ledger.projections.calendar import load_calendar

TODAY = date(2022, 3, 1)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demonstration history in a SQLite file, recorded once for the module."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    app = bootstrap(f"sqlite:///{path}", Config(backdate_days=3650), actor="clerk", clock=FixedClock(TODAY))
    demo.build(app)
    app.close()
    return path


def open_app(path: Path, config: Config | None = None) -> App:
    return bootstrap(
        f"sqlite:///{path}", config or Config(backdate_days=3650), actor="clerk", clock=FixedClock(TODAY)
    )


@pytest.fixture
def app(demo_file: Path, tmp_path: Path) -> Iterator[App]:
    """A private copy of the demonstration, opened on 1 March 2022."""
    copy = tmp_path / "ledger.db"
    shutil.copy(demo_file, copy)
    made = open_app(copy)
    yield made
    made.close()


def docx_text(content: bytes) -> list[str]:
    """The paragraphs of a .docx, as a reader of the letter sees them."""
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def issue(app: App, request_id: str, kind: str, **kw: object) -> tuple[list[str], str]:
    """Issue a notice as .docx; its paragraphs and its text."""
    issued = issue_notice(app, NoticeOrder(request_id, kind, "docx", **kw))  # type: ignore[arg-type]
    return docx_text(issued.content), issued.text


def recorded_due(app: App, request_id: str, reason_start: str) -> date:
    """The due date the log recorded with a step (its ``request.deadline-set``)."""
    for e in app.store.read_stream(stream_of(request_id)):
        if e.type == "request.deadline-set" and e.data["reason"].startswith(reason_start):
            return date.fromisoformat(e.data["due"])
    raise AssertionError(f"no deadline recorded for {reason_start}")


def test_receipt_states_the_date_of_receipt_and_the_due_date(app: App) -> None:
    """The 登记回执 gives the Art. 31 date of receipt and the due date recorded with it."""
    paragraphs, _ = issue(app, "zhjyj-2021-0101", "receipt")
    body = "\n".join(paragraphs)
    assert paragraphs[0] == "登记回执"
    assert paragraphs[1] == "〔2021〕zhjyj-2021-0101号"
    assert "收到申请的时间为2021年3月1日" in body
    assert f"即{cn_date(recorded_due(app, 'zhjyj-2021-0101', 'received'))}前作出答复" in body
    assert "第三十一条" in body
    assert "第三十三条第二款" in body
    assert paragraphs[-2:] == ["宁波市镇海区教育局", "2021年3月1日"]


def test_clarification_lists_the_items_and_the_reply_by_date(app: App) -> None:
    """The 补正告知书 lists what to correct, the reply-by date and cites Art. 30."""
    items = ("请写明所需政府信息的名称", "请写明信息的时间范围")
    paragraphs, _ = issue(app, "zhjyj-2021-0102", "补正告知书", items=items)
    body = "\n".join(paragraphs)
    assert "1. 请写明所需政府信息的名称\n2. 请写明信息的时间范围" in body
    assert "请您于2021年4月28日前将补正后的申请提交本机关" in body
    assert "第三十条" in body
    assert paragraphs[-1] == "2021年4月14日"


def test_a_reissued_clarification_repeats_the_recorded_items(app: App) -> None:
    """Items recorded with a 补正告知书 are used again when the notice is reissued."""
    issue(app, "zhjyj-2021-0102", "clarification", items=("请写明所需政府信息的名称",))
    again = build_notice(app, "zhjyj-2021-0102", "clarification")
    assert again.items == ("请写明所需政府信息的名称",)


def test_a_clarification_without_items_is_refused(app: App) -> None:
    """Art. 30 wants everything to correct listed: a notice with no items is refused."""
    before = app.store.last_position()
    with pytest.raises(InvalidInput, match="--items is needed"):
        issue_notice(app, NoticeOrder("zhjyj-2021-0102", "clarification", "text"))
    assert app.store.last_position() == before


def test_extension_states_the_old_and_new_due_dates(app: App) -> None:
    """The 延期答复告知书 cites Art. 33(2) and moves the due date as the log recorded."""
    paragraphs, _ = issue(app, "zhjyj-2021-0101", "延期答复告知书")
    body = "\n".join(paragraphs)
    new_due = recorded_due(app, "zhjyj-2021-0101", "extension")
    assert f"答复期限延长10个工作日，由2021年4月8日延长至{cn_date(new_due)}" in body
    assert "第三十三条第二款" in body


def test_consultation_letter_goes_to_the_third_party_with_its_15_days(app: App) -> None:
    """The 征求意见函 is addressed to the party, cites Art. 32 and its 15 working days."""
    paragraphs, text = issue(app, "zhjyj-2021-0101", "consultation")
    cal = load_calendar(app.store)
    reply_by = cal.nth_working_day_after(date(2021, 3, 3), 15)
    assert paragraphs[2] == "某建设工程有限公司："
    assert f"15个工作日内，即{cn_date(reply_by)}前" in text
    assert "第三十二条" in text


def test_fee_notice_shows_the_working_and_the_payment_deadline(app: App) -> None:
    """The 收费通知书 shows each tier of the per-page fee and the 20 working days to pay."""
    paragraphs, text = issue(app, "zhjyj-2021-0104", "fee")
    cal = load_calendar(app.store)
    pay_by = cal.nth_working_day_after(date(2021, 6, 9), 20)
    assert "金额为人民币1700元" in text
    assert "第31至100页：70页×10元/页＝700元" in text
    assert "合计：1700元" in text
    assert f"20个工作日内，即{cn_date(pay_by)}前缴纳" in text
    assert "国办函〔2020〕109号" in "\n".join(paragraphs)


def decided(app: App) -> dict[str, str]:
    """One demonstration request for each outcome it decided (not withdrawn)."""
    found: dict[str, str] = {}
    for e in app.store.read_all(types=["request.decision-issued"]):
        found.setdefault(e.data["outcome"], e.stream_id.removeprefix("request-"))
    return found


def test_each_outcome_is_answered_citing_its_article_and_the_remedies(app: App) -> None:
    """Every outcome's 答复书 cites the articles of OUTCOME_ARTICLES and both remedies."""
    outcomes = decided(app)
    assert set(outcomes) == set(OUTCOMES.codes)
    for outcome, request_id in outcomes.items():
        paragraphs, text = issue(app, request_id, "answer")
        assert paragraphs[0] == "政府信息公开申请答复书"
        articles = OUTCOME_ARTICLES[outcome]
        if articles:
            assert f"根据{REGULATION}{'、'.join(articles)}的规定" in text, outcome
        else:
            assert "根据____的规定" in text, outcome
        assert "60日内依法申请行政复议" in text
        assert "6个月内依法向人民法院提起行政诉讼" in text


def test_a_step_that_did_not_happen_is_refused(app: App) -> None:
    """A 补正告知书 for a request never asked to correct is refused, nothing recorded."""
    before = app.store.last_position()
    with pytest.raises(RuleViolation, match="no clarification-requested step") as refused:
        issue_notice(app, NoticeOrder("zhjyj-2021-0101", "clarification", "text", items=("x",)))
    assert "\n" not in str(refused.value)
    with pytest.raises(RuleViolation, match="no fee-notice-issued step"):
        issue_notice(app, NoticeOrder("zhjyj-2021-0107", "fee", "text"))
    with pytest.raises(RuleViolation, match="withdrawn"):
        issue_notice(app, NoticeOrder("zhjyj-2021-0106", "answer", "text"))
    assert app.store.last_position() == before


def test_the_issued_notice_is_recorded_with_the_hash_of_its_text(app: App) -> None:
    """A notice issued appends request.notice-issued: kind, date, the text's hash, actor."""
    issued = issue_notice(app, NoticeOrder("zhjyj-2021-0104", "fee", "text"))
    last = app.store.read_stream(stream_of("zhjyj-2021-0104"))[-1]
    assert last.type == "request.notice-issued"
    assert last.data["kind"] == "fee"
    assert last.data["dated"] == "2021-06-09"
    assert last.data["text_sha256"] == hashlib.sha256(issued.text.encode()).hexdigest()
    assert last.actor == "clerk"
    assert issued.event is not None
    assert issued.event.position == last.position


def test_a_draft_records_nothing(app: App) -> None:
    """A notice asked for as a draft is written but not recorded."""
    before = app.store.last_position()
    drafted = issue_notice(app, NoticeOrder("zhjyj-2021-0101", "receipt", "text", record=False))
    assert drafted.event is None
    assert app.store.last_position() == before


def test_the_name_comes_from_the_applicants_table_and_goes_with_erasure(app: App) -> None:
    """A letter names the applicant on file; after erasure it says 申请人 only."""
    person = Applicant(name="张三", phone="13800000000")
    receipt = RecordReceipt(date(2022, 2, 28), "当面", "自然人", "zhjyj-2022-0500", person=person)
    record_receipt(app.desk("zhjyj"), receipt)
    _, text = issue(app, "zhjyj-2022-0500", "receipt")
    assert "张三：" in text
    erase_applicant(app.desk("zhjyj"), "zhjyj-2022-0500", "consent withdrawn")
    _, text = issue(app, "zhjyj-2022-0500", "receipt")
    assert "张三" not in text
    assert "\n申请人：\n" in text


def test_an_agency_template_replaces_the_shipped_one(demo_file: Path, tmp_path: Path) -> None:
    """A template in the configured folder is used; a kind it lacks falls back to ledger's."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "receipt.txt.j2").write_text("{{ addressee }}：\n\n收到，{{ due | cn }}前答复。\n")
    copy = tmp_path / "ledger.db"
    shutil.copy(demo_file, copy)
    made = open_app(copy, parse_config({"notices": {"templates": str(folder)}}))
    try:
        text = issue_notice(made, NoticeOrder("zhjyj-2021-0101", "receipt", "text")).text
        assert "收到，2021年3月29日前答复。" in text
        answer = issue_notice(made, NoticeOrder("zhjyj-2021-0101", "answer", "text")).text
        assert "第三十七条" in answer
    finally:
        made.close()


def test_a_broken_template_is_refused_in_one_line(demo_file: Path, tmp_path: Path) -> None:
    """A template naming an unknown variable is refused naming the file."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "receipt.txt.j2").write_text("{{ no_such_thing }}\n")
    copy = tmp_path / "ledger.db"
    shutil.copy(demo_file, copy)
    made = open_app(copy, parse_config({"notices": {"templates": str(folder)}}))
    try:
        with pytest.raises(InvalidInput, match=r"receipt\.txt\.j2.*no_such_thing"):
            issue_notice(made, NoticeOrder("zhjyj-2021-0101", "receipt", "text"))
    finally:
        made.close()


def test_a_template_folder_that_does_not_exist_is_refused() -> None:
    """The configured template folder must exist."""
    with pytest.raises(InvalidInput, match=r"notices\.templates: .* is not a folder"):
        parse_config({"notices": {"templates": "/no/such/folder"}})


def test_pdf_without_libreoffice_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without LibreOffice, --format pdf is refused saying what to install."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InvalidInput, match="libreoffice-writer-nogui"):
        check_pdf()


@pytest.mark.skipif(pdf_converter() is None, reason="LibreOffice is not installed")
def test_pdf_is_converted_by_libreoffice(app: App) -> None:
    """With LibreOffice, --format pdf gives a real PDF of the letter."""
    issued = issue_notice(app, NoticeOrder("zhjyj-2021-0101", "answer", "pdf"))
    assert issued.content.startswith(b"%PDF-")


def test_a_receipt_under_the_2007_regulation_cites_its_article_24(app: App) -> None:
    """A request received before 2019-05-15 is told of the 15 working days of 2007 Art. 24
    (recorded as an amendment: still open, it reaches the closed years of the demo)."""
    record_receipt(app.desk("zhjyj", amend=True), RecordReceipt(date(2019, 3, 1), "当面", "自然人", "old-1"))
    _, text = issue(app, "old-1", "receipt")
    assert "第二十四条的规定，本机关将自收到申请之日起15个工作日内" in text
    assert "第三十三条" not in text
