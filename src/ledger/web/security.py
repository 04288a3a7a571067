"""What keeps the pages safe: the session key, CSRF tokens, login throttling, headers.

Sessions are Starlette's signed cookies (itsdangerous): HttpOnly, SameSite=Lax, Secure
when ``[web] secure_cookies`` says so, ending after ``[web] session_minutes`` without a
page opened (the signature's timestamp is renewed with every page). Every form carries
the session's CSRF token and a POST without it is refused with 403. Failed sign-ins are
counted per user name and address, in the database (every server process on it sees
them); after ``[web] login_attempts`` of them within ``[web] login_wait`` seconds that
pair must wait, whatever the password.
"""

from __future__ import annotations

import hmac
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.config import Config
from ledger.dates import utc_now
from ledger.db import Database, make_private_file

SECRET_ENV = "LEDGER_WEB_SECRET"
"""An environment variable holding the session key (wins over ``[web] secret_file``)."""

HEADERS = (
    (b"content-security-policy",
     b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)  # fmt: skip
"""Sent with every response: nothing framed, no inline script, no sniffing, no caching of
pages that may show personal data."""


def secret_path(config: Config) -> Path:
    """Where the session key is kept: ``[web] secret_file``, else the user's data folder."""
    if config.web.secret_file:
        return Path(config.web.secret_file)
    return Path(user_data_dir("ledger", appauthor=False)) / "web-secret"


def session_secret(config: Config) -> str:
    """The key that signs session cookies: from the environment, else the file, which is
    created with a new random key (mode 0600) the first time."""
    given = os.environ.get(SECRET_ENV, "").strip()
    if given:
        return given
    path = secret_path(config)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    make_private_file(path)
    path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def new_token() -> str:
    """A fresh random token (CSRF, command ids of forms)."""
    return secrets.token_urlsafe(32)


def token_matches(expected: object, given: object) -> bool:
    """Whether the form's token is the session's, compared in constant time."""
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class Throttle:
    """Failed sign-ins per (user name, address): too many within the window must wait.

    Kept in the database (``login_failures``), not in the process: several ``ledger
    serve`` processes on one PostgreSQL database count the same failures, so a guesser
    meets ``attempts`` whichever process answers. Times are the wall clock's (UTC), as
    the processes share no monotonic clock.
    """

    def __init__(self, db: Database, attempts: int, window: float) -> None:
        self.db = db
        self.attempts = attempts
        self.window = timedelta(seconds=window)

    def wait(self, username: str, address: str, now: datetime | None = None) -> int:
        """Seconds this pair must still wait before trying again (0: it may try)."""
        moment = now or utc_now()
        rows = self.db.fetch(
            "SELECT count(*), min(failed_at) FROM login_failures "
            "WHERE username = ? AND address = ? AND failed_at > ?",
            (*_pair(username, address), self._stamp(moment - self.window)),
        )
        count, first = rows[0] if rows else (0, None)
        if count < self.attempts or first is None:
            return 0
        since = datetime.fromisoformat(first) if isinstance(first, str) else first
        return max(1, int((since + self.window - moment).total_seconds()) + 1)

    def failed(self, username: str, address: str, now: datetime | None = None) -> None:
        """Count one failed sign-in; failures older than the window are forgotten."""
        moment = now or utc_now()
        with self.db.writing(exclusive=False) as conn:
            conn.execute(self.db.sql("DELETE FROM login_failures WHERE failed_at <= ?"),
                         (self._stamp(moment - self.window),))  # fmt: skip
            conn.execute(
                self.db.sql("INSERT INTO login_failures (id, username, address, failed_at) "
                            "VALUES (?, ?, ?, ?)"),
                (secrets.token_hex(16), *_pair(username, address), self._stamp(moment)),
            )  # fmt: skip

    def succeeded(self, username: str, address: str) -> None:
        """A correct password clears the pair's failures."""
        with self.db.writing(exclusive=False) as conn:
            conn.execute(
                self.db.sql("DELETE FROM login_failures WHERE username = ? AND address = ?"),
                _pair(username, address),
            )

    def _stamp(self, moment: datetime) -> Any:
        """A moment as the column takes it (SQLite keeps text that sorts as time does)."""
        return moment.isoformat(" ", "microseconds") if self.db.dialect == "sqlite" else moment


def _pair(username: str, address: str) -> tuple[str, str]:
    """The key counted: the name in lower case and the address, cut to the columns."""
    return username.lower()[:200], address[:100]


class SecurityHeaders:
    """An ASGI middleware adding ``HEADERS`` to every response (pages, files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in HEADERS}
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names]
                message["headers"] = kept + list(HEADERS)
            await send(message)

        await self.app(scope, receive, with_headers)
