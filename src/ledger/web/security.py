"""What keeps the pages safe: the session key, CSRF tokens, login throttling, headers.

Sessions are Starlette's signed cookies (itsdangerous): HttpOnly, SameSite=Lax, Secure
when ``[web] secure_cookies`` says so, ending after ``[web] session_minutes`` without a
page opened (the signature's timestamp is renewed with every page). Every form carries
the session's CSRF token and a POST without it is refused with 403. Failed sign-ins are
counted per user name and address; after ``[web] login_attempts`` of them within
``[web] login_wait`` seconds that pair must wait, whatever the password.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path

from platformdirs import user_data_dir
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.config import Config
from ledger.db import make_private_file

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

    Kept in the server process: several processes each count their own, so the limit a
    guesser meets is at most the number of processes times ``attempts``.
    """

    def __init__(self, attempts: int, window: float) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, username: str, address: str, now: float | None = None) -> int:
        """Seconds this pair must still wait before trying again (0: it may try)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent((username.lower(), address), moment)
            if len(failures) < self.attempts:
                return 0
            return max(1, int(failures[0] + self.window - moment) + 1)

    def failed(self, username: str, address: str, now: float | None = None) -> None:
        """Count one failed sign-in."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            self._recent((username.lower(), address), moment).append(moment)

    def succeeded(self, username: str, address: str) -> None:
        """A correct password clears the pair's failures."""
        with self._lock:
            self._failures.pop((username.lower(), address), None)

    def _recent(self, key: tuple[str, str], moment: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= moment - self.window:
            failures.popleft()
        return failures


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
