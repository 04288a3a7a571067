"""Hostile text typed at a desk is shown as text on every page, never run as markup."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from ledger.applicants import Applicant
from ledger.commands import requests as cmd
from ledger.commands.agencies import register_agency
from tests.web_client import Office, office_on

HOSTILE = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """A request whose subject, applicant, consulted party and agency name are script tags."""
    folder = tmp_path_factory.mktemp("escaping")
    with office_on(str(folder / "books.db"), users=("head",)) as made:
        register_agency(made.app.office(), "zja", f"甲局{HOSTILE}")
        person = Applicant(f"张三{HOSTILE}", None, "13800000000", None, HOSTILE)
        made.receive("zja", "X-1", date(2021, 6, 25), subject=f"学区{HOSTILE}", person=person)
        desk = made.app.desk("zja", actor="setup")
        cmd.start_consultation(desk, "X-1", date(2021, 6, 28), f"某公司{HOSTILE}")
        yield made


PAGES = ["/today", "/requests", "/requests?q=学区", "/requests/X-1", "/requests/X-1/step/decide",
         "/requests/X-1/step/consulted", "/reports?year=2021&agency=zja", "/government",
         f"/requests?q={HOSTILE}", "/requests?year=<b>"]  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_every_page_escapes_hostile_text(office: Office, path: str) -> None:
    """No page carries a script tag (the templates have none; every value is escaped)."""
    page = office.browser("head").get(path)
    assert page.status_code in (200, 400)
    assert "<script" not in page.text.lower()


@pytest.mark.parametrize("path", ["/requests", "/requests/X-1", "/requests/X-1/step/decide"])
def test_the_hostile_subject_is_shown_as_text(office: Office, path: str) -> None:
    """The subject is still there for the clerk to read, as text."""
    assert f"学区{ESCAPED}" in office.browser("head").get(path).text


def test_the_applicants_page_escapes_personal_data(office: Office) -> None:
    """The applicant's name and address are shown as text."""
    page = office.browser("head").post("/requests/X-1/applicant", {})
    assert page.status_code == 200
    assert "<script" not in page.text.lower()
    assert f"张三{ESCAPED}" in page.text


def test_a_refusal_quoting_hostile_input_escapes_it(office: Office) -> None:
    """A refusal that repeats the value typed (an unknown channel) shows it as text."""
    browser = office.browser("head")
    form = {"on": "2021-06-30", "channel": HOSTILE, "applicant": "natural", "agency": "zja"}
    page = browser.submit("/receive", form)
    assert page.status_code == 400
    assert "is not a channel" in page.text
    assert "<script" not in page.text.lower()


def test_a_hostile_next_address_does_not_leave_the_site(office: Office) -> None:
    """After signing in, ``next`` may only name a page of this site."""
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        browser = office.anonymous()
        page = browser.get(f"/login?next={target}")
        assert '<input type="hidden" name="next" value="/">' in page.text
        switch = browser.client.get(f"/lang?to=zh&next={target}", follow_redirects=False)
        assert switch.headers["location"] == "/"
