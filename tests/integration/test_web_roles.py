"""Who may see and do what on the web pages: roles, agencies, personal data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from ledger import accounts
from ledger.projections.queries import show_request
from tests.web_client import PASSWORD, Office, office_on


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """Agency zja's request A-1 (with the applicant's data), zjb's B-1; one user of each role."""
    from ledger.applicants import Applicant

    folder = tmp_path_factory.mktemp("roles")
    with office_on(str(folder / "books.db")) as made:
        person = Applicant("张三", "110101199001011234", "13800000000", None, None)
        made.receive("zja", "A-1", date(2021, 6, 1), subject="甲局文件", person=person)
        made.receive("zja", "A-2", date(2021, 6, 21), subject="甲局第二件")
        made.receive("zjb", "B-1", date(2021, 6, 1), subject="乙局文件")
        yield made


def events_of(office: Office, stream: str) -> list[tuple[str, str]]:
    return [(e.type, e.actor) for e in office.app.store.read_stream(stream)]


def test_a_clerk_sees_only_their_agencys_requests(office: Office) -> None:
    """The list, the search and today's work of a clerk of zja show nothing of zjb."""
    clerk = office.browser("clerk_a")
    listed = clerk.get("/requests").text
    assert "A-1" in listed
    assert "B-1" not in listed
    assert "B-1" not in clerk.get("/requests?q=文件").text
    assert "B-1" not in clerk.get("/today").text
    assert "B-1" in office.browser("head").get("/requests").text


@pytest.mark.parametrize(
    "path", ["/requests/B-1", "/requests/B-1/step/decide", "/requests/B-1/notices/receipt.docx"]
)
def test_a_clerk_cannot_open_another_agencys_request_by_link(office: Office, path: str) -> None:
    """A link to zjb's request answers a clerk of zja as if it did not exist (404)."""
    response = office.browser("clerk_a").get(path)
    assert response.status_code == 404
    assert "乙局文件" not in response.text


def test_a_clerk_cannot_act_on_another_agencys_request_by_form(office: Office) -> None:
    """A step posted on zjb's request by a clerk of zja is refused and records nothing."""
    clerk = office.browser("clerk_a")
    before = office.count_events()
    for path, form in (
        ("/requests/B-1/step/decide", {"on": "2021-06-30", "outcome": "disclosed"}),
        ("/requests/B-1/step/withdraw", {"on": "2021-06-30"}),
        ("/requests/B-1/notices/receipt.docx", {}),
    ):
        assert clerk.post(path, form).status_code == 404
    assert office.count_events() == before


def test_a_clerk_cannot_receive_for_another_agency(office: Office) -> None:
    """A receipt for an agency the clerk does not serve is refused next to the agency field."""
    clerk = office.browser("clerk_a")
    before = office.count_events()
    form = {"on": "2021-06-30", "channel": "in-person", "applicant": "natural", "agency": "zjb"}
    response = clerk.submit("/receive", form)
    assert response.status_code == 400
    assert "--agency: &#39;zjb&#39; is not one of your agencies" in response.text
    assert office.count_events() == before


def test_the_signed_in_user_is_the_actor_of_what_they_record(office: Office) -> None:
    """A receipt and a step recorded on the pages carry the user's name as actor."""
    clerk = office.browser("clerk_a")
    form = {"request_id": "A-9", "on": "2021-06-29", "channel": "in-person",
            "applicant": "natural", "subject": "网上登记"}  # fmt: skip
    done = clerk.submit("/receive", form)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/requests/A-9"
    page = clerk.get("/requests/A-9").text
    assert "A-9: Record a receipt; due 2021-07-27" in page
    clerk.submit("/requests/A-9/step/withdraw", {"on": "2021-06-30"})
    recorded = events_of(office, "request-A-9")
    assert {a for _t, a in recorded} == {"clerk_a"}
    assert {"request.received", "request.withdrawn"} <= {t for t, _a in recorded}


def test_only_a_head_approves_extensions(office: Office) -> None:
    """A clerk may not extend (403, nothing written); a head may, and is the approver the
    extension names by default."""
    clerk = office.browser("clerk_a")
    before = office.count_events()
    assert clerk.get("/requests/A-2/step/extend").status_code == 403
    assert clerk.post("/requests/A-2/step/extend", {"on": "2021-06-30", "days": "5",
                      "approver": "clerk_a"}).status_code == 403  # fmt: skip
    assert office.count_events() == before
    page = clerk.get("/requests/A-2").text
    assert "/step/extend" not in page
    head = office.browser("head")
    assert 'name="approver" value="head"' in head.get("/requests/A-2/step/extend").text
    done = head.submit("/requests/A-2/step/extend", {"on": "2021-06-30", "days": "10"})
    assert done.status_code == 303, done.text
    shown = show_request(office.app, "A-2").events  # as `ledger show` reads the approver
    extended = [e for e in shown if e["type"] == "request.extension-granted"]
    assert [(e["actor"], e["data"]["approver"]) for e in extended] == [("head", "head")]


def test_a_clerk_may_not_correct_a_step_someone_else_recorded(office: Office) -> None:
    """A-2's receipt was recorded by someone else: the clerk is offered no correction or
    retraction, and one posted anyway is refused in one sentence, nothing written."""
    clerk = office.browser("clerk_a")
    page = clerk.get("/requests/A-2").text
    assert "/step/correct" not in page
    assert "/step/retract" not in page
    before = office.count_events()
    corrected = clerk.submit("/requests/A-2/step/correct", {"subject": "改", "reason": "x"})
    assert corrected.status_code == 400
    assert "was recorded by setup; you may correct and retract only the steps you recorded" in (
        corrected.text
    )
    first = str(show_request(office.app, "A-2").events[0]["position"])
    retracted = clerk.submit("/requests/A-2/step/retract", {"position": first, "reason": "x"})
    assert retracted.status_code == 400
    assert "you may correct and retract only the steps you recorded" in retracted.text
    assert office.count_events() == before


def test_a_clerk_corrects_their_own_wrong_decision_not_another_clerks(office: Office) -> None:
    """The acceptance's clerk decides wrongly and corrects it; another clerk of the same
    agency may not touch that decision; the head may correct any step."""
    clerk = office.browser("clerk_a")
    receipt = {"request_id": "A-5", "on": "2021-06-28", "channel": "in-person",
               "applicant": "natural", "agency": "zja", "subject": "甲局第五件"}  # fmt: skip
    assert clerk.submit("/receive", receipt).status_code == 303
    decided = clerk.submit("/requests/A-5/step/decide", {"on": "2021-06-30",
                                                         "outcome": "disclosed"})  # fmt: skip
    assert decided.status_code == 303
    assert "/requests/A-5/step/correct" in clerk.get("/requests/A-5").text

    if accounts.find_user(office.app.db, "clerk_a2") is None:
        accounts.add_user(office.app.db, "clerk_a2", PASSWORD, "clerk", ("zja",))
    other = office.browser("clerk_a2")
    assert "/requests/A-5/step/correct" not in other.get("/requests/A-5").text
    before = office.count_events()
    refused = other.submit("/requests/A-5/step/correct", {"outcome": "partial", "reason": "x"})
    assert refused.status_code == 400
    assert "was recorded by clerk_a" in refused.text
    assert office.count_events() == before

    done = clerk.submit("/requests/A-5/step/correct", {"outcome": "partial",
                                                      "reason": "录入错误"})  # fmt: skip
    assert done.status_code == 303, done.text
    assert show_request(office.app, "A-5").row.outcome == "partial"
    head = office.browser("head")
    again = head.submit("/requests/A-5/step/correct", {"outcome": "disclosed",
                                                      "reason": "复核"})  # fmt: skip
    assert again.status_code == 303, again.text
    fixes = [(t, a) for t, a in events_of(office, "request-A-5") if t.endswith("-corrected")]
    assert fixes == [("request.decision-corrected", "clerk_a"),
                     ("request.decision-corrected", "head")]  # fmt: skip


def test_a_clerk_retracts_only_their_own_steps(office: Office) -> None:
    """The retraction form offers a clerk only the steps they recorded; the head all."""
    clerk = office.browser("clerk_a")
    receipt = {"request_id": "A-6", "on": "2021-06-28", "channel": "in-person",
               "applicant": "natural", "agency": "zja", "subject": "甲局第六件"}  # fmt: skip
    assert clerk.submit("/receive", receipt).status_code == 303
    head = office.browser("head")
    asked = head.submit("/requests/A-6/step/clarify", {"on": "2021-06-29",
                                                      "reply_by": "2021-07-13"})  # fmt: skip
    assert asked.status_code == 303
    mine, theirs = (str(e["position"]) for e in show_request(office.app, "A-6").events
                    if e["type"] in ("request.received", "request.clarification-requested"))
    form = clerk.get("/requests/A-6/step/retract").text
    assert f'<option value="{mine}"' in form
    assert f'<option value="{theirs}"' not in form
    assert "/step/retract" in clerk.get("/requests/A-6").text
    refused = clerk.submit("/requests/A-6/step/retract", {"position": theirs, "reason": "x"})
    assert refused.status_code == 400
    assert "was recorded by head" in refused.text
    assert f'<option value="{theirs}"' in head.get("/requests/A-6/step/retract").text
    done = head.submit("/requests/A-6/step/retract", {"position": theirs, "reason": "误录"})
    assert done.status_code == 303, done.text


def test_only_a_head_closes_a_year(office: Office) -> None:
    """Closing a year is refused to a clerk (403) and asks the head to confirm."""
    clerk = office.browser("clerk_a")
    assert clerk.post("/reports/2020/close", {"agency": "zja", "confirm": "yes"}).status_code == 403
    head = office.browser("head")
    unconfirmed = head.post("/reports/2020/close", {"agency": "zja"})
    assert unconfirmed.status_code == 303
    assert list(office.app.store.read_stream("year-zja-2020")) == []
    head.post("/reports/2020/close", {"agency": "zja", "confirm": "yes"})
    assert events_of(office, "year-zja-2020") == [("year.closed", "head")]
    assert (
        "closed 2020 (zja): 0 requests carried over"
        in head.get("/reports?year=2020&agency=zja").text
    )


def test_an_auditor_reads_but_records_nothing(office: Office) -> None:
    """An auditor sees the requests of every agency and no form: every POST is refused."""
    auditor = office.browser("auditor")
    assert auditor.get("/requests/B-1").status_code == 200
    assert auditor.get("/reports?year=2020&agency=all").status_code == 200
    before = office.count_events()
    assert auditor.get("/receive").status_code == 403
    for path, form in (
        ("/receive", {"on": "2021-06-30", "channel": "in-person", "applicant": "natural"}),
        ("/requests/A-1/step/decide", {"on": "2021-06-30", "outcome": "disclosed"}),
        ("/requests/A-1/notices/receipt.docx", {}),
        ("/requests/A-1/applicant", {}),
        ("/reports/2020/close", {"agency": "zjb", "confirm": "yes"}),
    ):
        assert auditor.post(path, form).status_code == 403, path
    assert office.count_events() == before
    page = auditor.get("/requests/A-1").text
    assert "/step/" not in page
    assert "/applicant" not in page


def test_personal_data_only_to_those_allowed_and_each_view_recorded(office: Office) -> None:
    """A clerk and a granted auditor see the applicant's data, and each view is recorded
    with who saw it; an auditor without the grant is refused."""
    assert office.browser("auditor").post("/requests/A-1/applicant", {}).status_code == 403
    assert "张三" not in office.browser("auditor").get("/requests/A-1").text
    for who in ("clerk_a", "auditor_pd"):
        page = office.browser(who).post("/requests/A-1/applicant", {})
        assert page.status_code == 200
        assert "张三" in page.text
        assert "13800000000" in page.text
    viewed = [(e.type, e.actor, e.data["request_id"])
              for e in office.app.store.read_stream("exports-zja")]  # fmt: skip
    assert viewed == [("applicant.personal-data-viewed", "clerk_a", "A-1"),
                      ("applicant.personal-data-viewed", "auditor_pd", "A-1")]  # fmt: skip
    assert office.browser("clerk_b").post("/requests/A-1/applicant", {}).status_code == 404


def test_only_an_admin_sees_the_users(office: Office) -> None:
    """The users page is the admin's; it shows roles and never a password hash."""
    assert office.browser("clerk_a").get("/users").status_code == 403
    page = office.browser("admin").get("/users").text
    assert "auditor_pd" in page
    assert "argon2" not in page


def test_the_government_view_combines_the_departments(office: Office) -> None:
    """The head's government view lists both agencies and links the combined report."""
    page = office.browser("head").get("/government").text
    assert "宁波市甲局" in page
    assert "宁波市乙局" in page
    assert "/reports?agency=all" in page
    assert "宁波市乙局" not in office.browser("clerk_a").get("/government").text


def test_an_auditor_verifies_the_books_a_clerk_may_not(office: Office) -> None:
    """The verify page walks the chain and re-derives the due dates for an auditor; a
    clerk's role has no such right."""
    assert office.browser("clerk_a").get("/verify").status_code == 403
    auditor = office.browser("auditor")
    assert auditor.get("/verify").status_code == 200
    page = auditor.post("/verify", {}).text
    assert "events verified; the hash chain is intact" in page
    assert "recorded deadlines re-derived; all agree" in page
