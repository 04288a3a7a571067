"""The admin's page on SQLite and PostgreSQL: users added, changed, disabled and given
new passwords as ``ledger user`` does it, with its refusals; the agencies' names."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ledger import accounts
from tests.web_client import PASSWORD, Office, office_on

NEW = "a new password 1"
_REFUSAL = re.compile(r'class="refusal" id="refusal">([^<]*)<')


@pytest.fixture
def office(db_url: str) -> Iterator[Office]:
    with office_on(db_url, users=("admin", "clerk_a")) as made:
        yield made


def refusal(response: object) -> str:
    found = _REFUSAL.findall(response.text)  # type: ignore[attr-defined]
    assert len(found) == 1, response.text  # type: ignore[attr-defined]
    return str(found[0]).replace("&#39;", "'")


def test_the_admin_adds_a_user_who_then_signs_in(office: Office) -> None:
    """A user added on the page signs in with the password given; a second user of the
    same name, a short password or two different entries are refused as the CLI refuses."""
    admin = office.browser("admin")
    form = {"username": "zhao", "role": "clerk", "agencies": "zja, zjb", "password": NEW,
            "again": NEW}  # fmt: skip
    done = admin.post("/users/add", form)
    assert done.status_code == 303
    assert "user zhao added: clerk of zja, zjb" in admin.get("/users").text
    assert accounts.get_user(office.app.db, "zhao").agencies == ("zja", "zjb")
    assert office.browser("zhao", NEW).get("/today").status_code == 200
    for changed, expected in (
        ({}, "user zhao already exists"),
        ({"username": "qian", "password": "short", "again": "short"},
         "password: use 10 to 200 characters"),
        ({"username": "qian", "again": "something else"}, "the two entries differ"),
        ({"username": "qian", "role": "boss"}, "--role: 'boss' is not a role"),
        ({"username": "qian", "agencies": " "}, "--agency: give at least one agency code"),
        ({"username": "li si"}, "USERNAME: 'li si' is not allowed"),
    ):  # fmt: skip
        refused = admin.post("/users/add", {**form, **changed})
        assert refused.status_code == 400
        assert expected in refusal(refused)
    assert [u.username for u in accounts.list_users(office.app.db)] == ["admin", "clerk_a", "zhao"]
    assert NEW not in admin.get("/users").text


def test_a_change_of_role_ends_the_users_sessions(office: Office) -> None:
    """A clerk made head is signed out and signs in again as head; nothing to change is
    refused; the last enabled admin may not be disabled or demoted."""
    clerk = office.browser("clerk_a")
    admin = office.browser("admin")
    done = admin.post("/users/clerk_a", {"action": "set", "role": "head", "agencies": "zja"})
    assert done.status_code == 303
    assert clerk.client.get("/today", follow_redirects=False).status_code == 303
    assert accounts.get_user(office.app.db, "clerk_a").role == "head"
    again = admin.post("/users/clerk_a", {"action": "set", "role": "head", "agencies": "zja"})
    assert refusal(again) == "user clerk_a: nothing to change"
    for form in ({"action": "disable"}, {"action": "set", "role": "clerk", "agencies": "*"}):
        refused = admin.post("/users/admin", form)
        assert refused.status_code == 400
        assert "user admin is the last enabled admin" in refusal(refused)
    assert not accounts.get_user(office.app.db, "admin").disabled


def test_disable_and_a_new_password(office: Office) -> None:
    """A disabled user cannot sign in; a new password enables them again; an unknown
    user is refused with the CLI's sentence."""
    admin = office.browser("admin")
    assert admin.post("/users/clerk_a", {"action": "disable"}).status_code == 303
    browser = office.anonymous()
    browser.get("/login")
    refused = browser.post("/login", {"username": "clerk_a", "password": PASSWORD})
    assert refused.status_code == 401
    differ = admin.post("/users/clerk_a", {"action": "password", "password": NEW, "again": "x"})
    assert "the two entries differ" in refusal(differ)
    done = admin.post("/users/clerk_a", {"action": "password", "password": NEW, "again": NEW})
    assert done.status_code == 303
    assert office.browser("clerk_a", NEW).get("/today").status_code == 200
    missing = admin.post("/users/nobody", {"action": "disable"})
    assert "user nobody: no such user" in refusal(missing)


def test_an_admin_changing_their_own_password_stays_signed_in(office: Office) -> None:
    """The admin's own new password keeps the session they changed it in (issued again,
    with a new form token) and ends their other sessions; the old password is refused."""
    admin = office.browser("admin")
    elsewhere = office.browser("admin")
    admin.get("/users")
    before, old_token = admin.client.cookies.get("ledger_session"), admin.token
    done = admin.post("/users/admin", {"action": "password", "password": NEW, "again": NEW})
    assert done.status_code == 303
    assert done.headers["location"] == "/users"
    assert admin.client.cookies.get("ledger_session") != before
    page = admin.client.get("/users", follow_redirects=False)
    assert page.status_code == 200
    assert "user admin: password changed" in page.text
    assert old_token not in page.text
    assert elsewhere.client.get("/today", follow_redirects=False).status_code == 303
    assert admin.client.get("/today", follow_redirects=False).status_code == 200
    browser = office.anonymous()
    browser.get("/login")
    refused = browser.post("/login", {"username": "admin", "password": PASSWORD})
    assert refused.status_code == 401
    assert office.browser("admin", NEW).get("/today").status_code == 200


def test_only_the_admin_and_only_with_the_token(office: Office) -> None:
    """A clerk may not add users or rename agencies (403); a form without the CSRF token
    is refused (403); nothing changes."""
    clerk = office.browser("clerk_a")
    form = {"username": "x1", "role": "admin", "agencies": "*", "password": NEW, "again": NEW}
    assert clerk.post("/users/add", form).status_code == 403
    assert clerk.post("/users/clerk_a", {"action": "set", "role": "admin"}).status_code == 403
    assert clerk.post("/settings/agency", {"code": "zja", "name": "x"}).status_code == 403
    assert office.browser("admin").post("/users/add", form, csrf=False).status_code == 403
    assert accounts.find_user(office.app.db, "x1") is None
    assert accounts.get_user(office.app.db, "clerk_a").role == "clerk"


def test_the_admin_renames_an_agency_in_the_log(office: Office) -> None:
    """A rename is ``ledger agency add`` recorded with the admin as actor; the new name
    shows on the pages; an empty name is refused as the CLI refuses it."""
    admin = office.browser("admin")
    done = admin.post("/settings/agency", {"code": "zja", "name": "宁波市甲局（新名）",
                                           "level": "department"})  # fmt: skip
    assert done.status_code == 303
    assert "宁波市甲局（新名）" in admin.get("/government").text
    renamed = [(e.actor, e.data["name"]) for e in office.app.store.read_stream("agency-zja")]
    assert renamed[-1] == ("admin", "宁波市甲局（新名）")
    empty = admin.post("/settings/agency", {"code": "zjb", "name": " "})
    assert "--name: the agency's name is empty" in refusal(empty)
