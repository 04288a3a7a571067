"""The web pages on real books, in the test's process: Starlette's TestClient.

``Office`` builds books (a SQLite file or a PostgreSQL database) with two agencies and a
user of each role, through the same use cases the CLI calls; ``office.browser(name)``
is a client signed in as that user. ``Browser.submit`` posts a form the way a browser
sends it: with the page's CSRF token (unless told not to) and the form's command id.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.testclient import TestClient

from ledger import accounts
from ledger.bootstrap import App, bootstrap
from ledger.commands import requests as cmd
from ledger.commands.agencies import register_agency
from ledger.config import Config, WebSettings
from ledger.dates import FixedClock
from ledger.web import create_app

PASSWORD = "correct horse battery"
SECRET = "test-session-key"
TODAY = date(2021, 6, 30)

USERS = {
    "clerk_a": ("clerk", ("zja",), False),
    "clerk_b": ("clerk", ("zjb",), False),
    "head": ("head", ("*",), False),
    "auditor": ("auditor", ("*",), False),
    "auditor_pd": ("auditor", ("*",), True),
    "admin": ("admin", ("*",), False),
}
"""Who works in the test office: role, agencies, personal data granted."""

_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
_INPUT = re.compile(r'<input (?:id="[^"]*" )?name="([^"]+)" value="([^"]*)"')


def token_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _TOKEN.search(html)
    assert found is not None, "the page has no form token"
    return found.group(1)


@dataclass
class Browser:
    """One person's browser: a TestClient keeping its cookies."""

    client: TestClient
    token: str = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, **kwargs)
        found = _TOKEN.search(response.text) if "html" in response.headers.get(
            "content-type", "") else None  # fmt: skip
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: Mapping[str, str], *, csrf: bool = True) -> Any:
        """A form posted with the session's token (``csrf=False``: without it)."""
        if csrf and not self.token:
            self.get("/today")
        sent = {**data, **({"csrf": self.token} if csrf else {})}
        return self.client.post(path, data=sent, follow_redirects=False)

    def submit(self, path: str, data: Mapping[str, str]) -> Any:
        """Open the form at ``path`` and send it as a browser would: the values the page
        filled in (its command id, today's date, the approver) with ``data`` over them."""
        page = self.get(path)
        filled = {name: html.unescape(value) for name, value in _INPUT.findall(page.text)}
        filled.pop("csrf", None)
        return self.post(path, {**filled, **data})


@dataclass
class Office:
    """Books with agencies zja and zjb, and a user of each role."""

    app: App
    site: Any = None
    browsers: list[TestClient] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        db: str,
        *,
        web: WebSettings | None = None,
        users: tuple[str, ...] = tuple(USERS),
        lang: str = "en",
    ) -> Office:
        """The books at ``db``, with the ``users`` named (each password hash costs ~1 s)."""
        config = Config(backdate_days=3650, web=web or WebSettings())
        app = bootstrap(db, config, actor="setup", clock=FixedClock(TODAY))
        office = cls(app)
        register_agency(app.office(), "zja", "宁波市甲局")
        register_agency(app.office(), "zjb", "宁波市乙局")
        for name in users:
            role, agencies, personal = USERS[name]
            accounts.add_user(app.db, name, PASSWORD, role, agencies, personal=personal)
        office.site = create_app(app, secret=SECRET, lang=lang)
        return office

    def receive(self, agency: str, request_id: str, on: date, **extra: Any) -> cmd.Recorded:
        """A receipt recorded by the use case (in person, a natural person)."""
        receipt = cmd.RecordReceipt(on, "in-person", "natural", request_id, agency=agency,
                                    **extra)  # fmt: skip
        return cmd.record_receipt(self.app.desk(agency, actor="setup"), receipt)

    def anonymous(self) -> Browser:
        client = TestClient(self.site, base_url="http://testserver")
        self.browsers.append(client)
        return Browser(client)

    def browser(self, username: str, password: str = PASSWORD) -> Browser:
        """A browser signed in as ``username``."""
        browser = self.anonymous()
        page = browser.get("/login")
        browser.token = token_of(page.text)
        signed = browser.post("/login", {"username": username, "password": password,
                                         "next": "/today"})  # fmt: skip
        assert signed.status_code == 303, signed.text
        browser.token = ""
        return browser

    def count_events(self) -> int:
        return sum(1 for _ in self.app.store.read_all())

    def close(self) -> None:
        for client in self.browsers:
            client.close()
        self.app.close()


@contextmanager
def office_on(db: str, **kwargs: Any) -> Iterator[Office]:
    office = Office.open(db, **kwargs)
    try:
        yield office
    finally:
        office.close()
