"""The web pages' guards: sign-in, sessions, CSRF, throttling, headers, no password kept."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import itsdangerous
import pytest
import structlog.testing
from itsdangerous import TimestampSigner

from ledger.config import WebSettings
from tests.web_client import PASSWORD, SECRET, Office, office_on

PAGES = ["/today", "/requests", "/requests/zja-2021-0001", "/receive",
         "/requests/zja-2021-0001/step/decide", "/reports?year=2020", "/reports/2020.docx?agency=zja",
         "/reports/2020.xlsx?agency=zja", "/government", "/users",
         "/requests/zja-2021-0001/notices/receipt.docx"]  # fmt: skip
"""Every page and download of the site."""


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """One office for the tests that change no user (password hashes are slow on purpose)."""
    folder = tmp_path_factory.mktemp("web")
    with office_on(str(folder / "books.db"), users=("clerk_a", "head")) as made:
        made.receive("zja", "zja-2021-0001", made.app.today(), subject="学区划分")
        yield made


@pytest.mark.parametrize("path", PAGES)
def test_no_page_or_download_without_signing_in(office: Office, path: str) -> None:
    """Every page and file sends a stranger to the sign-in form, and shows nothing."""
    response = office.anonymous().client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert response.content == b""


@pytest.mark.parametrize(
    "path",
    ["/requests/zja-2021-0001/applicant", "/receive", "/requests/zja-2021-0001/step/decide",
     "/reports/2020/close"],
)  # fmt: skip
def test_no_post_without_signing_in(office: Office, path: str) -> None:
    """A form posted by a stranger (with a token of their own session) records nothing."""
    browser = office.anonymous()
    browser.get("/login")
    before = office.count_events()
    response = browser.post(path, {"on": "2021-06-30", "outcome": "disclosed"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert office.count_events() == before


def test_sign_in_and_out(office: Office) -> None:
    """A user signs in, sees today's work, signs out, and is then a stranger again."""
    browser = office.browser("clerk_a")
    page = browser.get("/today")
    assert page.status_code == 200
    assert "clerk_a" in page.text
    out = browser.post("/logout", {})
    assert out.status_code == 303
    again = browser.client.get("/today", follow_redirects=False)
    assert again.status_code == 303


def test_wrong_password_is_refused_the_same_as_an_unknown_name(office: Office) -> None:
    """A wrong password and an unknown user get the same answer, and no session."""
    answers = []
    for name, password in (("clerk_a", "wrong password!"), ("nobody", PASSWORD)):
        browser = office.anonymous()
        browser.get("/login")
        response = browser.post("/login", {"username": name, "password": password})
        assert response.status_code == 401
        answers.append(response.text.count("wrong user name or password"))
        assert browser.client.get("/today", follow_redirects=False).status_code == 303
    assert answers == [1, 1]


def test_a_form_without_the_csrf_token_is_refused(office: Office) -> None:
    """A POST without the session's token (another site's form) is refused with 403 and
    records nothing; the same form with the token records."""
    browser = office.browser("head")
    before = office.count_events()
    form = {"on": "2021-06-30", "outcome": "disclosed"}
    refused = browser.post("/requests/zja-2021-0001/step/decide", form, csrf=False)
    assert refused.status_code == 403
    forged = browser.post("/requests/zja-2021-0001/step/decide", {**form, "csrf": "forged"},
                          csrf=False)  # fmt: skip
    assert forged.status_code == 403
    assert office.count_events() == before
    accepted = browser.post("/requests/zja-2021-0001/step/decide", form)
    assert accepted.status_code == 303
    assert office.count_events() > before


def test_sign_in_without_the_token_is_refused(office: Office) -> None:
    """Even the sign-in form needs its token (no signing in from another site)."""
    browser = office.anonymous()
    response = browser.post("/login", {"username": "head", "password": PASSWORD}, csrf=False)
    assert response.status_code == 403


def test_logout_without_the_token_is_refused(office: Office) -> None:
    """Another site cannot sign a user out."""
    browser = office.browser("head")
    assert browser.post("/logout", {}, csrf=False).status_code == 403
    assert browser.get("/today").status_code == 200


def test_too_many_failed_sign_ins_make_the_user_wait(tmp_path: Path) -> None:
    """After login_attempts failures, even the right password is refused for that name and
    address; other names are not affected."""
    with office_on(str(tmp_path / "b.db"), web=WebSettings(login_attempts=3),
                   users=("clerk_a", "head")) as office:  # fmt: skip
        browser = office.anonymous()
        browser.get("/login")
        for _ in range(3):
            assert browser.post("/login", {"username": "head", "password": "nope nope nope"}
                                ).status_code == 401  # fmt: skip
        blocked = browser.post("/login", {"username": "head", "password": PASSWORD})
        assert blocked.status_code == 429
        assert "too many failed sign-ins" in blocked.text
        assert browser.client.get("/today", follow_redirects=False).status_code == 303
        other = browser.post("/login", {"username": "clerk_a", "password": PASSWORD})
        assert other.status_code == 303


def test_the_throttle_holds_across_server_processes_on_one_database(db_url: str) -> None:
    """Two servers on one database (each its own books, store and pages, as two ``ledger
    serve`` processes behind one proxy): failures at one count at the other, so the
    guesser who alternates between them meets the same limit; a success clears both."""
    from starlette.testclient import TestClient

    from ledger.bootstrap import bootstrap
    from ledger.config import Config
    from ledger.dates import FixedClock
    from ledger.web import create_app
    from tests.web_client import TODAY, Browser, token_of

    settings = WebSettings(login_attempts=4)
    with office_on(db_url, web=settings, users=("head",)) as first:
        app = bootstrap(db_url, Config(web=settings), actor="setup", clock=FixedClock(TODAY))
        second = Office(app, create_app(app, secret=SECRET, lang="en"))
        try:
            one, two = first.anonymous(), second.anonymous()
            for browser in (one, two):
                browser.token = token_of(browser.get("/login").text)
            wrong = {"username": "head", "password": "nope nope nope"}
            for browser in (one, two, one, two):
                assert browser.post("/login", wrong).status_code == 401
            for browser in (one, two):
                blocked = browser.post("/login", {"username": "head", "password": PASSWORD})
                assert blocked.status_code == 429, blocked.text
            with first.app.db.writing(exclusive=False) as conn:  # the window has passed
                conn.execute("DELETE FROM login_failures")
            assert one.post("/login", wrong).status_code == 401
            fresh = Browser(TestClient(second.site, base_url="http://testserver"))
            fresh.token = token_of(fresh.get("/login").text)
            assert fresh.post("/login", {"username": "head", "password": PASSWORD}
                              ).status_code == 303  # fmt: skip
            assert first.app.db.scalar("SELECT count(*) FROM login_failures") == 0
            fresh.client.close()
        finally:
            second.close()


def _cookie(value: str, signed_at: int) -> str:
    """A session cookie signed with the site's key at ``signed_at`` (Unix seconds)."""

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return signed_at

    return Then(SECRET).sign(value).decode()


def test_a_session_ends_after_the_configured_idle_time(office: Office) -> None:
    """A session cookie older than session_minutes is not accepted: sign in again."""
    browser = office.browser("head")
    cookie = browser.client.cookies["ledger_session"]
    payload = TimestampSigner(SECRET).unsign(cookie).decode()
    import time

    fresh = office.anonymous()
    fresh.client.cookies.set("ledger_session", _cookie(payload, int(time.time()) - 60))
    assert fresh.client.get("/today", follow_redirects=False).status_code == 200
    stale = office.anonymous()
    stale.client.cookies.set("ledger_session", _cookie(payload, int(time.time()) - 9 * 3600))
    assert stale.client.get("/today", follow_redirects=False).status_code == 303


def test_a_tampered_session_cookie_is_refused(office: Office) -> None:
    """A cookie signed with another key (a forged session) is not a session."""
    browser = office.browser("clerk_a")
    payload = TimestampSigner(SECRET).unsign(browser.client.cookies["ledger_session"]).decode()
    forged = office.anonymous()
    forged.client.cookies.set("ledger_session",
                              itsdangerous.TimestampSigner("guess").sign(payload).decode())  # fmt: skip
    assert forged.client.get("/today", follow_redirects=False).status_code == 303


def test_disabling_a_user_or_changing_the_password_ends_their_sessions(tmp_path: Path) -> None:
    """A disabled user is signed out at their next page; so is anyone after a new password."""
    from ledger import accounts

    with office_on(str(tmp_path / "books.db"), users=("clerk_a", "head")) as office:
        _sessions_end(office, accounts)


def _sessions_end(office: Office, accounts: Any) -> None:
    clerk = office.browser("clerk_a")
    accounts.set_password(office.app.db, "clerk_a", "a new long password")
    assert clerk.client.get("/today", follow_redirects=False).status_code == 303
    head = office.browser("head")
    accounts.disable_user(office.app.db, "head")
    assert head.client.get("/today", follow_redirects=False).status_code == 303
    again = office.anonymous()
    again.get("/login")
    assert again.post("/login", {"username": "head", "password": PASSWORD}).status_code == 401


def test_the_session_cookie_is_httponly_and_samesite(tmp_path: Path) -> None:
    """The cookie is HttpOnly, SameSite=Lax, and Secure when the configuration says so."""
    for secure in (False, True):
        settings = WebSettings(secure_cookies=secure)
        with office_on(str(tmp_path / f"{secure}.db"), web=settings, users=()) as o:
            browser = o.anonymous()
            page = browser.client.get("/login")
            header = page.headers["set-cookie"].lower()
            assert "httponly" in header
            assert "samesite=lax" in header
            assert ("secure" in header.replace("samesite", "")) is secure


@pytest.mark.parametrize("path", ["/login", "/today", "/static/style.css", "/nowhere"])
def test_security_headers_on_every_response(office: Office, path: str) -> None:
    """Pages, files and errors all carry the headers that stop framing, sniffing, scripts
    from elsewhere and caching."""
    response = office.browser("head").client.get(path)
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_passwords_are_never_logged_nor_stored(
    office: Office, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Signing in and failing to leave the password in no log record, no output and no
    database column: the logs name the user, and only an argon2 hash is kept."""
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as records:
        office.browser("head")
        browser = office.anonymous()
        browser.get("/login")
        browser.post("/login", {"username": "head", "password": "a mistyped secret"})
    assert [(r["event"], r["username"]) for r in records] == [
        ("signed in", "head"), ("sign-in failed", "head")]  # fmt: skip
    out, err = capfd.readouterr()
    logged = repr(records) + out + err + caplog.text
    assert PASSWORD not in logged
    assert "a mistyped secret" not in logged
    with sqlite3.connect(office.app.db.target.address) as conn:
        stored = "\n".join(str(row) for row in conn.execute("SELECT * FROM users"))
    assert PASSWORD not in stored
    assert "$argon2id$" in stored
