"""Every refusal of the desk, through the web forms: the CLI's sentence, next to the field,
nothing written.

The books are made by the CLI as in ``test_desk_refusals.py``; each case is then run twice
on them: as the command line the clerk types (in-process, ``LedgerCli``) and as the form
a head posts on the pages (Starlette's TestClient, signed in). The form's fields are the
command's options (``ledger.web.desk`` names the option of each field), so the two are
the same request; the page must show the CLI's message, and neither may write anything.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from ledger import accounts
from ledger.bootstrap import bootstrap
from ledger.config import Config
from ledger.dates import FixedClock, parse_date
from ledger.web import create_app
from ledger.web.desk import COMMON, RECEIPT, STEPS
from tests.e2e.cli_runner import LedgerCli
from tests.e2e.test_desk_refusals import TODAY, desk
from tests.web_client import PASSWORD, Browser, token_of

__all__ = ["desk"]  # the CLI test's module fixture: the same books

FORMS: dict[str, dict[str, str]] = {
    "clarify": {"reply_by": "2021-04-30"},
    "clarified": {},
    "extend": {"days": "5", "approver": "王主任"},
    "consult": {"party": "某建设公司"},
    "consulted": {"party": "某建设公司"},
    "fee": {"amount": "100"},
    "paid": {},
    "defer": {"until": "2021-05-31", "reason": "一个月内申请200件"},
    "decide": {"outcome": "disclosed"},
    "withdraw": {},
}
"""Each step's form with valid fields besides the date (the CLI test's ``STEPS``)."""

_REFUSAL = re.compile(r'<p class="refusal"[^>]*>(.*?)</p>', re.S)
_WHERE = re.compile(r'<div class="field refused">\s*<label[^>]*for="f-([a-z_]+)"')


@dataclass
class Pages:
    """A head signed in on the CLI test's books."""

    browser: Browser


@pytest.fixture(scope="module")
def pages(desk: LedgerCli) -> Iterator[Pages]:
    config = Config(backdate_days=3650)
    app = bootstrap(str(desk.db), config, actor="web", clock=FixedClock(parse_date(TODAY, "")))
    accounts.add_user(app.db, "head", PASSWORD, "head", ["*"])
    with TestClient(create_app(app, secret="k", lang="en")) as client:
        browser = Browser(client)
        browser.token = token_of(client.get("/login").text)
        assert browser.post("/login", {"username": "head", "password": PASSWORD}).status_code == 303
        browser.token = ""
        yield Pages(browser)
    app.close()


def command_line(step: str, request_id: str, form: dict[str, str]) -> str:
    """The command line the form stands for: each field as its option."""
    fields = {f.name: f for f in (*(RECEIPT if step == "receive" else STEPS[step]).fields, *COMMON)}
    words = ["record", step]
    for name, value in form.items():
        option = fields[name].option
        if option == "ID":
            words.insert(2, value)
        elif fields[name].kind == "check":
            words.append(option)
        else:
            words += [option, value]
    if step != "receive":
        words.insert(2, request_id)
    return shlex.join(words)


def refused_both(desk: LedgerCli, pages: Pages, step: str, request_id: str,
                 form: dict[str, str]) -> tuple[str, str, str]:  # fmt: skip
    """Run the case as the CLI and as the form; both refused, nothing written. Returns the
    CLI's line, the page's refusal and the field it stands next to ('' for the form)."""
    before = desk.snapshot()
    line = desk(command_line(step, request_id, form)).refusal()
    path = "/receive" if step == "receive" else f"/requests/{request_id}/step/{step}"
    answer = pages.browser.post(path, form)
    assert answer.status_code in (400, 404), answer.text
    found = _REFUSAL.findall(answer.text)
    assert len(found) == 1, found
    where = _WHERE.search(answer.text)
    assert desk.snapshot() == before
    return line, html.unescape(found[0]).strip(), where.group(1) if where else ""


def same_refusal(line: str, shown: str) -> None:
    """The page says what the CLI says: the same sentence (the CLI prefixes its name;
    click's own refusals of an option add where to find help)."""
    if line.startswith("ledger: "):
        assert shown == line.removeprefix("ledger: ")
    else:
        assert shown.rstrip(".") in line


def step_form(name: str, on: str) -> dict[str, str]:
    return {"on": on, **FORMS[name]}


def receipt_form(request_id: str, on: str, **extra: str) -> dict[str, str]:
    return {"request_id": request_id, "on": on, "channel": "in-person",
            "applicant": "natural", **extra}  # fmt: skip


@pytest.mark.parametrize("name", sorted(FORMS))
@pytest.mark.parametrize(
    ("request_id", "on", "field"),
    [
        ("NOPE-2021-0099", "2021-03-20", ""),  # unknown: the page answers 404
        ("DECIDED", "2021-03-20", ""),
        ("WITHDRAWN", "2021-03-20", ""),
        ("OPEN", "2021-02-26", "on"),  # before the date of receipt
        ("OPEN", "2021-07-01", "on"),  # after today
    ],
    ids=["unknown", "decided", "withdrawn", "before-receipt", "after-today"],
)
def test_each_step_is_refused_as_the_cli_refuses_it(
    desk: LedgerCli, pages: Pages, name: str, request_id: str, on: str, field: str
) -> None:
    """Unknown and closed requests, dates before receipt or after today: every step."""
    line, shown, where = refused_both(desk, pages, name, request_id, step_form(name, on))
    same_refusal(line, shown)
    assert where == field


@pytest.mark.parametrize(
    ("step", "request_id", "form", "field"),
    [
        ("consult", "MAILED", step_form("consult", "2021-03-03"), "on"),
        ("receive", "", receipt_form("NEW-1", "2021-03-05", channel="online",
                                     confirmed="2021-03-04"), "confirmed"),
        ("receive", "", receipt_form("NEW-2", "2021-07-01", channel="online",
                                     confirmed="2021-07-01"), "on"),
        ("receive", "", receipt_form("NEW-2", "2021-06-28", channel="online",
                                     confirmed="2021-07-01"), "confirmed"),
        ("receive", "", receipt_form("NEW-3", "2021-02-30"), "on"),
        ("receive", "", receipt_form("NEW-3", "yesterday"), "on"),
        ("receive", "", receipt_form("NEW-4", "2021-W10-1"), "on"),
        ("decide", "OPEN", {"on": "2021/03/05", "outcome": "disclosed"}, "on"),
        ("clarify", "OPEN", {"on": "2021-03-05", "reply_by": "2021-13-01"}, "reply_by"),
        ("defer", "OPEN", {"on": "2021-03-05", "until": "31.05.2021", "reason": "x"}, "until"),
        ("extend", "OPEN", {"on": "2021-03-30", "days": "5", "approver": "王主任"}, ""),
        ("extend", "OPEN", {"on": "2021-03-03", "days": "21", "approver": "王主任"}, "days"),
        ("extend", "EXTENDED", {"on": "2021-03-03", "days": "6", "approver": "王主任"}, "days"),
        ("extend", "OLD", {"on": "2019-03-05", "days": "16", "approver": "王主任"}, "days"),
        ("clarified", "OPEN", step_form("clarified", "2021-03-05"), ""),
        ("consulted", "CONSULTING", {"on": "2021-03-05", "party": "某银行"}, ""),
        ("consulted", "OPEN", step_form("consulted", "2021-03-05"), ""),
        ("paid", "OPEN", step_form("paid", "2021-03-05"), ""),
        ("decide", "OPEN", {"on": "2021-03-05", "outcome": "maybe"}, "outcome"),
        ("receive", "", receipt_form("NEW-5", "2021-03-05", applicant="外国人"), "applicant"),
        ("receive", "", receipt_form("NEW-6", "2021-03-05", channel="pigeon"), "channel"),
        ("fee", "OPEN", {"on": "2021-03-05", "method": "per-bag"}, "method"),
        ("receive", "", receipt_form("OPEN", "2021-03-02", name="李四",
                                     id_number="310101198502023456"), ""),
        ("defer", "DEFER", {"on": "2021-03-05", "until": "2021-03-10",
                            "reason": "一个月内申请200件"}, "until"),
        ("defer", "DEFER", {"on": "2021-03-05", "until": "2021-03-29",
                            "reason": "一个月内申请200件"}, "until"),
    ],
    ids=["art31-mail", "confirmed-before-submitted", "receipt-after-today",
         "confirmed-after-today", "impossible-day", "word", "week-date", "slashes", "month-13",
         "dotted", "extension-after-due", "extension-over-20", "extension-over-20-in-steps",
         "extension-over-15-in-2019", "clarified-without-clarify", "consulted-wrong-party",
         "consulted-none", "paid-without-fee", "unknown-outcome", "unknown-applicant",
         "unknown-channel", "unknown-fee-method", "second-receipt", "defer-earlier",
         "defer-same-day"],
)  # fmt: skip
def test_each_refusal_of_the_desk_is_the_cli_sentence_next_to_its_field(
    desk: LedgerCli, pages: Pages, step: str, request_id: str, form: dict[str, str],
    field: str,
) -> None:  # fmt: skip
    """The refusals of test_desk_refusals.py, posted as forms: the same sentence, shown
    next to the field whose option it names, and nothing written."""
    line, shown, where = refused_both(desk, pages, step, request_id, form)
    same_refusal(line, shown)
    assert where == field


def test_a_form_sent_twice_records_once(desk: LedgerCli, pages: Pages) -> None:
    """A form posted again with its command id (a double click, a retry after a lost
    answer) records nothing more: the first result stands."""
    form = {"command_id": "web-retry-1", **receipt_form("TWICE", "2021-06-29")}
    first = pages.browser.post("/receive", form)
    assert first.status_code == 303, first.text
    after_first = desk.snapshot()
    again = pages.browser.post("/receive", form)
    assert again.status_code == 303
    assert desk.snapshot() == after_first
