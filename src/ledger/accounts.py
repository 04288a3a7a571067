"""The people who sign in to the web pages: their roles, agencies and password hashes.

Below the web and the CLI (``ledger user …``) alike: a user is a row of the ``users``
table, with an argon2 hash of the password (argon2-cffi; never the password itself), a
role, the agencies they work for and whether they may see applicants' personal data.
What each role may do is decided here, in one place (``ROLES``, ``User.may``); the web
pages ask, they never decide.

- clerk: reads and records the steps of their agencies' requests, and corrects or
  retracts the steps they recorded themselves (their own mistakes);
- head: as a clerk, and also approves extensions, corrects and retracts any step of
  their agencies, closes years;
- auditor: reads and verifies; sees personal data only when granted (``--personal``);
- admin: manages users and settings (the agencies' names); reads; personal data only
  when granted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ledger.dates import utc_now
from ledger.db import Database
from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.i18n import N_, _

ALL_AGENCIES = "*"
"""A user scoped to every agency (the office head of a government, an auditor)."""

PASSWORD_MIN = 10
PASSWORD_MAX = 200
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")

READ = "read"
RECORD = "record"
APPROVE = "approve"  # extensions, closing a year
CORRECT_OWN = "correct-own"  # correct and retract the steps one recorded oneself
CORRECT = "correct"  # correct and retract any step (of one's agencies)
PERSONAL = "personal"
VERIFY = "verify"
USERS = "users"
SETTINGS = "settings"  # the agencies' names and levels (``ledger agency add``)

ROLES: dict[str, frozenset[str]] = {
    "clerk": frozenset({READ, RECORD, CORRECT_OWN, PERSONAL}),
    "head": frozenset({READ, RECORD, APPROVE, CORRECT_OWN, CORRECT, PERSONAL, VERIFY}),
    "auditor": frozenset({READ, VERIFY}),
    "admin": frozenset({READ, USERS, SETTINGS}),
}
"""What each role may do; ``personal`` is added to any role by a grant (``User.personal``)."""

ROLE_NAMES = {
    "clerk": N_("clerk"),
    "head": N_("head"),
    "auditor": N_("auditor"),
    "admin": N_("admin"),
}
"""Each role as a person reads it."""

_HASHER = PasswordHasher()
_COLUMNS = ("username", "password_hash", "role", "agencies", "personal", "disabled",
            "created_at", "changed_at")  # fmt: skip


@dataclass(frozen=True)
class User:
    """A user as the pages and ``ledger user list`` see them (never the hash)."""

    username: str
    role: str
    agencies: tuple[str, ...]
    personal: bool = False
    disabled: bool = False

    def may(self, right: str) -> bool:
        """Whether this user's role (or grant, for personal data) allows ``right``."""
        if self.disabled:
            return False
        if right == PERSONAL and self.personal:
            return True
        return right in ROLES.get(self.role, frozenset())

    def may_correct(self, recorded_by: str) -> bool:
        """Whether this user may correct or retract a step ``recorded_by`` someone: a
        head any step, a clerk only the steps they recorded themselves (an office lets a
        clerk put right their own mistake; another's record needs the head)."""
        return self.may(CORRECT) or (self.may(CORRECT_OWN) and recorded_by == self.username)

    @property
    def corrects_only_own(self) -> bool:
        """Whether the corrections this user records are held to their own steps."""
        return not self.may(CORRECT)

    def serves(self, agency: str) -> bool:
        """Whether this user works for ``agency`` (its requests, its reports)."""
        return ALL_AGENCIES in self.agencies or agency in self.agencies

    @property
    def every_agency(self) -> bool:
        return ALL_AGENCIES in self.agencies

    def as_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "agencies": list(self.agencies),
            "personal": self.personal,
            "disabled": self.disabled,
        }


def role_name(role: str) -> str:
    """A role in the current language."""
    return _(ROLE_NAMES.get(role, role))


def check_username(username: str) -> str:
    """A user name that fits an event's actor and a URL: refused in one line otherwise."""
    if not _USERNAME.match(username):
        raise InvalidInput(
            _(
                "USERNAME: {value!r} is not allowed; use 1–64 letters, digits, '.', '_' or '-'"
            ).format(value=username)
        )
    return username


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(
            _("--role: {value!r} is not a role; use one of {roles}").format(
                value=role, roles=", ".join(ROLES)
            )
        )
    return role


def check_password(password: str) -> str:
    """A password long enough to resist guessing (login throttling does the rest)."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(
            _("password: use {low} to {high} characters").format(
                low=PASSWORD_MIN, high=PASSWORD_MAX
            )
        )
    return password


def check_agencies(agencies: Iterable[str]) -> tuple[str, ...]:
    """Agency codes (or ``*``), at least one, each within the id rule."""
    from ledger.commands.requests import check_id

    codes = tuple(dict.fromkeys(a.strip() for a in agencies if a.strip()))
    if not codes:
        raise InvalidInput(_("--agency: give at least one agency code, or * for all"))
    for code in codes:
        if code != ALL_AGENCIES:
            check_id(code, "--agency")
    return codes


def _user(row: Any) -> User:
    name, _hash, role, agencies, personal, disabled = row[:6]
    return User(name, role, tuple(agencies.split(",")), bool(personal), bool(disabled))


def _stamp(db: Database) -> Any:
    """Now, as the column takes it (SQLite stores text)."""
    now = utc_now()
    return now.isoformat(" ", "microseconds") if db.dialect == "sqlite" else now


def _hashed(db: Database, username: str) -> tuple[User, str] | None:
    rows = db.fetch(f"SELECT {', '.join(_COLUMNS)} FROM users WHERE username = ?", (username,))
    return (_user(rows[0]), str(rows[0][1])) if rows else None


def find_user(db: Database, username: str) -> User | None:
    """The user of that name, or None."""
    found = _hashed(db, username)
    return found[0] if found else None


def get_user(db: Database, username: str) -> User:
    """The user of that name, or NotFound naming it."""
    found = find_user(db, username)
    if found is None:
        raise NotFound(_("user {name}: no such user; `ledger user list` shows them").format(
            name=username))  # fmt: skip
    return found


def add_user(
    db: Database,
    username: str,
    password: str,
    role: str,
    agencies: Iterable[str],
    *,
    personal: bool = False,
) -> User:
    """Create a user; a name already taken is refused (nothing is changed)."""
    user = User(check_username(username), check_role(role), check_agencies(agencies), personal)
    digest = _HASHER.hash(check_password(password))
    if find_user(db, username) is not None:
        raise InvalidInput(_("user {name} already exists").format(name=username))
    stamp = _stamp(db)
    values = (user.username, digest, user.role, ",".join(user.agencies), user.personal,
              False, stamp, stamp)  # fmt: skip
    marks = ", ".join("?" for _ in _COLUMNS)
    with db.writing(exclusive=False) as conn:
        conn.execute(db.sql(f"INSERT INTO users ({', '.join(_COLUMNS)}) VALUES ({marks})"), values)
    return user


def list_users(db: Database) -> list[User]:
    """Every user, by name."""
    rows = db.fetch(f"SELECT {', '.join(_COLUMNS)} FROM users ORDER BY username")
    return [_user(r) for r in rows]


def _update(db: Database, username: str, assignments: str, values: tuple[Any, ...]) -> None:
    get_user(db, username)
    with db.writing(exclusive=False) as conn:
        conn.execute(
            db.sql(f"UPDATE users SET {assignments}, changed_at = ? WHERE username = ?"),
            (*values, _stamp(db), username),
        )


def disable_user(db: Database, username: str) -> User:
    """Stop a user from signing in (their sessions end at their next page); history keeps
    their name as the actor of what they recorded. The last enabled admin is kept."""
    _keep_an_admin(db, replace(get_user(db, username), disabled=True))
    _update(db, username, "disabled = ?", (True,))
    return get_user(db, username)


def change_user(
    db: Database,
    username: str,
    *,
    role: str | None = None,
    agencies: Iterable[str] | None = None,
    personal: bool | None = None,
) -> User:
    """Give a user another role, other agencies or the personal-data grant (what is not
    given stays); checked as ``add_user`` checks, and the last enabled admin is kept.
    Their sessions end at their next page, so the new rights hold at once."""
    was = get_user(db, username)
    now = replace(
        was,
        role=check_role(role) if role is not None else was.role,
        agencies=check_agencies(agencies) if agencies is not None else was.agencies,
        personal=was.personal if personal is None else personal,
    )
    if now == was:
        raise InvalidInput(_("user {name}: nothing to change").format(name=username))
    _keep_an_admin(db, now)
    _update(db, username, "role = ?, agencies = ?, personal = ?",
            (now.role, ",".join(now.agencies), now.personal))  # fmt: skip
    return get_user(db, username)


def _keep_an_admin(db: Database, after: User) -> None:
    """Refuse a change that would leave no enabled admin (nobody could manage users on
    the pages; ``ledger user`` at the server would be the only way back)."""
    if after.role == "admin" and not after.disabled:
        return
    others = [u for u in list_users(db) if u.username != after.username]
    was = find_user(db, after.username)
    if was is None or was.role != "admin" or was.disabled:
        return
    if not any(u.role == "admin" and not u.disabled for u in others):
        raise InvalidInput(
            _("user {name} is the last enabled admin; add another admin first").format(
                name=after.username
            )
        )


def set_password(db: Database, username: str, password: str) -> User:
    """Replace a user's password (and enable a disabled user again)."""
    digest = _HASHER.hash(check_password(password))
    _update(db, username, "password_hash = ?, disabled = ?", (digest, False))
    return get_user(db, username)


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The enabled user whose password this is, else None (the same for an unknown name,
    a wrong password and a disabled user, so a guesser learns nothing)."""
    found = _hashed(db, username) if _USERNAME.match(username) else None
    if found is None:
        _dummy_verify(password)
        return None
    user, digest = found
    try:
        _HASHER.verify(digest, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user.disabled:
        return None
    if _HASHER.check_needs_rehash(digest):
        # Best effort: a web server whose database role may only read users still signs in.
        with suppress(LedgerError):
            _update(db, username, "password_hash = ?", (_HASHER.hash(password),))
    return user


@cache
def _dummy() -> str:
    return _HASHER.hash("not a password of anyone")


def _dummy_verify(password: str) -> None:
    """Spend the time a real check takes, so an unknown name is not told apart by timing."""
    with suppress(VerificationError):
        _HASHER.verify(_dummy(), password)


def with_changed_at(db: Database, username: str) -> tuple[User, datetime] | None:
    """The user and when their row last changed (a new password or disabling ends the
    sessions begun before), in one query: every page asks."""
    rows = db.fetch(f"SELECT {', '.join(_COLUMNS)} FROM users WHERE username = ?", (username,))
    if not rows:
        return None
    value = rows[0][7]
    return _user(rows[0]), datetime.fromisoformat(value) if isinstance(value, str) else value
