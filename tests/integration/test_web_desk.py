"""A request's life on the pages, on SQLite and PostgreSQL: the desk's forms, the request's
page, the notices and the annual report's files."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.web_client import Office, office_on


@pytest.fixture
def office(db_url: str) -> Iterator[Office]:
    with office_on(db_url, users=("clerk_a", "head")) as made:
        made.receive("zja", "zja-2020-0001", date(2020, 11, 2), subject="去年的申请")
        yield made


def test_a_request_from_receipt_to_corrected_decision(office: Office) -> None:
    """A clerk receives, asks for clarification, records the corrected request and a
    wrong decision; the head corrects it. The page shows each step with who and when, the
    due date counted day by day, and the correction as a correction."""
    clerk = office.browser("clerk_a")
    received = clerk.submit("/receive", {"on": "2021-06-01", "channel": "in-person",
                                         "applicant": "natural", "subject": "学区划分文件",
                                         "name": "张三", "phone": "13800000000"})  # fmt: skip
    assert received.status_code == 303, received.text
    rid = received.headers["location"].rsplit("/", 1)[1]
    assert rid == "zja-2021-0001"
    page = clerk.get(f"/requests/{rid}").text
    assert "due 2021-06-30" in page
    steps = [
        ("clarify", {"on": "2021-06-03", "reply_by": "2021-06-17"}),
        ("clarified", {"on": "2021-06-10"}),
        ("decide", {"on": "2021-06-30", "outcome": "disclosed"}),
    ]
    for step, form in steps:
        done = clerk.submit(f"/requests/{rid}/step/{step}", form)
        assert done.status_code == 303, done.text
    head = office.browser("head")
    corrected = head.submit(f"/requests/{rid}/step/correct",
                            {"outcome": "partial", "reason": "录入错误", "approver": "王主任"})  # fmt: skip
    assert corrected.status_code == 303, corrected.text
    page = head.get(f"/requests/{rid}").text
    assert "partial" in page
    assert "decision-corrected" in page
    assert 'class="badge correction"' in page
    assert "struck" in page  # the wrong decision, marked as corrected
    assert "clerk_a" in page
    assert "<td>head</td>" in page
    assert "How the due date was computed" in page
    assert "day 1: working day" in page
    types = [e.type for e in office.app.store.read_stream(f"request-{rid}")]
    assert "request.decision-corrected" in types


def test_notices_are_issued_and_downloaded(office: Office) -> None:
    """The receipt's notice is issued from the page as a Word file, recorded with the
    clerk as actor, and listed with a download."""
    clerk = office.browser("clerk_a")
    issued = clerk.post("/requests/zja-2020-0001/notices/receipt.docx", {})
    assert issued.status_code == 200
    assert issued.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(issued.content)).paragraphs)
    assert "zja-2020-0001" in text
    recorded = [(e.type, e.actor) for e in office.app.store.read_stream("request-zja-2020-0001")]
    assert ("request.notice-issued", "clerk_a") in recorded
    page = clerk.get("/requests/zja-2020-0001").text
    assert "/notices/receipt.docx" in page
    again = clerk.get("/requests/zja-2020-0001/notices/receipt.docx")
    assert again.status_code == 200
    assert len([t for t, _a in recorded if t == "request.notice-issued"]) == 1


def test_a_notice_posted_twice_from_the_page_is_recorded_once(office: Office) -> None:
    """Each notice button carries a command id made when the page was shown: posted twice
    (a double click, a repeated post), the same letter comes back and one notice is
    recorded; the page shown again gives a new id, which issues it again."""
    clerk = office.browser("clerk_a")
    rid = "zja-2020-0001"
    url = f"/requests/{rid}/notices/receipt.docx"

    def button() -> dict[str, str]:
        found = re.search(
            r'name="command_id" value="([^"]+-receipt)"', clerk.get(f"/requests/{rid}").text
        )
        assert found is not None
        return {"command_id": found.group(1)}

    posted = button()
    first, again = clerk.post(url, posted), clerk.post(url, posted)
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert paragraphs(again.content) == paragraphs(first.content)
    issued = [
        e
        for e in office.app.store.read_stream(f"request-{rid}")
        if e.type == "request.notice-issued"
    ]
    assert [(e.actor, e.command_id) for e in issued] == [("clerk_a", posted["command_id"])]
    assert clerk.post(url, button()).status_code == 200
    assert len([e for e in office.app.store.read_stream(f"request-{rid}")
                if e.type == "request.notice-issued"]) == 2  # fmt: skip


def paragraphs(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs]


def test_the_clarification_notice_is_issued_from_the_request_page(office: Office) -> None:
    """Once a clarification is asked, the page offers its 补正告知书 with the items to
    correct; it is issued as ``ledger notice`` issues it (Art. 30: no items, refused)."""
    clerk = office.browser("clerk_a")
    rid = "zja-2020-0001"
    assert "/notices/clarification.docx" not in clerk.get(f"/requests/{rid}").text
    asked = clerk.submit(f"/requests/{rid}/step/clarify", {"on": "2020-11-04",
                                                          "reply_by": "2020-11-18"})  # fmt: skip
    assert asked.status_code == 303, asked.text
    page = clerk.get(f"/requests/{rid}").text
    assert f'action="/requests/{rid}/notices/clarification.docx"' in page
    assert 'name="items"' in page
    before = office.count_events()
    refused = clerk.post(f"/requests/{rid}/notices/clarification.docx", {"items": " "})
    assert refused.status_code == 400
    assert "--items is needed" in refused.text
    assert office.count_events() == before
    issued = clerk.post(f"/requests/{rid}/notices/clarification.docx",
                        {"items": "请写明所需信息的名称\n请写明文号"})  # fmt: skip
    assert issued.status_code == 200, issued.text
    text = "\n".join(p.text for p in Document(io.BytesIO(issued.content)).paragraphs)
    assert "补正告知书" in text
    assert "请写明文号" in text
    kinds = [e.data.get("kind") for e in office.app.store.read_stream(f"request-{rid}")
             if e.type == "request.notice-issued"]  # fmt: skip
    assert kinds == ["clarification"]


def test_the_annual_report_page_and_files(office: Office) -> None:
    """The head sees the 2020 report as HTML with its check, and downloads the Word and
    Excel files, which open with python-docx and openpyxl."""
    head = office.browser("head")
    page = head.get("/reports?year=2020&agency=zja").text
    assert "tables reconcile" in page
    assert "政府信息公开工作年度报告" in page
    docx = head.get("/reports/2020.docx?agency=zja")
    assert docx.status_code == 200
    assert "attachment" in docx.headers["content-disposition"]
    paragraphs = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    assert any("年度报告" in p for p in paragraphs)
    xlsx = head.get("/reports/2020.xlsx?agency=all")
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames
    clerk = office.browser("clerk_a")
    assert clerk.get("/reports/2020.docx?agency=zjb").status_code == 404
    assert clerk.get("/reports/2020.docx?agency=all").status_code == 404


def test_the_dashboard_counts_and_orders_alerts(office: Office) -> None:
    """Today's work counts the overdue request and lists its alert first."""
    page = office.browser("head").get("/today").text
    assert "Overdue" in page
    first_alert = page.split("<tbody>")[-1]
    assert "zja-2020-0001" in first_alert
    assert "overdue" in first_alert


def test_the_dashboard_shows_the_most_urgent_alerts_and_links_to_all(db_url: str) -> None:
    """With more alerts than the dashboard shows, it lists the most urgent ones (the
    longest overdue first) and says how many there are; the link shows every one."""
    from ledger.web.pages import ALERTS_SHOWN

    with office_on(db_url, users=("head",)) as office:
        late = ALERTS_SHOWN + 5
        for n in range(1, late + 1):  # one a day: the first received is the most overdue
            office.receive("zja", f"zja-2020-{n:04d}", date(2020, 3, 1) + timedelta(days=n))
        head = office.browser("head")
        page = head.get("/today").text
        rows = page.split("<tbody>")[-1].split("</tbody>")[0]
        overdue = [line for line in rows.split("<tr") if "/requests/zja-2020-" in line]
        assert len(overdue) == ALERTS_SHOWN
        assert "zja-2020-0001" in overdue[0]
        assert f"zja-2020-{late:04d}" not in rows
        total = late + 2  # and the year 2020 not closed, its annual report not published
        assert f"The {ALERTS_SHOWN} most urgent of {total} alerts." in page
        assert 'href="/today?alerts=all"' in page
        every = head.get("/today?alerts=all").text
        assert f"zja-2020-{late:04d}" in every
        assert "most urgent of" not in every
        assert f">{late}</b>" in every  # the overdue tile counts them all either way


def test_the_pages_speak_chinese_and_switch(office: Office) -> None:
    """The language switch turns the pages into Chinese from the same catalog, and back."""
    head = office.browser("head")
    assert head.client.get("/lang?to=zh&next=/today", follow_redirects=False).status_code == 303
    page = head.get("/today").text
    assert "今日待办" in page
    assert "已逾期" in page
    head.client.get("/lang?to=en&next=/today")
    assert "Today" in head.get("/today").text
