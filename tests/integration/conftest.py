"""Real servers on loopback for the notifier paths: aiosmtpd for mail, http.server for hooks.

``tests/integration/test_notifiers.py`` keeps its own richer copies (TLS, AUTH checks);
these are the plain ones the nightly-job tests share.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LOOPBACK_SMTP_USER = "ledger"
LOOPBACK_SMTP_PASSWORD = "pw-loopback-7Qz-never-logged"


@dataclass
class LoopbackMailbox:
    """An aiosmtpd handler keeping every message, parsed as a mail client would."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message."""
        content = cast(bytes, envelope.original_content)
        self.messages.append(cast(EmailMessage, message_from_bytes(content, policy=policy.default)))
        return "250 OK"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """Accept only the loopback user and password."""
    expected = LoginPassword(LOOPBACK_SMTP_USER.encode(), LOOPBACK_SMTP_PASSWORD.encode())
    return AuthResult(success=auth_data == expected, handled=False)


@dataclass
class LoopbackSmtp:
    """A running SMTP server: its port and what it received."""

    port: int
    mailbox: LoopbackMailbox


@pytest.fixture
def loopback_smtp() -> Iterator[LoopbackSmtp]:
    """SMTP on 127.0.0.1 offering AUTH without TLS (loopback only); wrong logins are refused."""
    mailbox = LoopbackMailbox()
    with socket.socket() as probe:  # a free port; aiosmtpd cannot report one it chose
        probe.bind(("127.0.0.1", 0))
        port = cast(int, probe.getsockname()[1])
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield LoopbackSmtp(port, mailbox)
    finally:
        controller.stop()


@dataclass
class HookPost:
    """One POST as the hook server got it."""

    path: str
    query: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as UTF-8 JSON."""
        return json.loads(self.body.decode("utf-8"))


class HookServer(ThreadingHTTPServer):
    """Records POSTs and answers ``status`` with a robot's success body."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HookHandler)
        self.posts: list[HookPost] = []
        self.status = 200

    def url(self, path_and_query: str) -> str:
        """A URL on this server."""
        return f"http://127.0.0.1:{self.server_address[1]}{path_and_query}"


class _HookHandler(BaseHTTPRequestHandler):
    server: HookServer

    def do_POST(self) -> None:
        """Record the body; reply with the server's current status."""
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = urllib.parse.urlsplit(self.path)
        self.server.posts.append(
            HookPost(parts.path, dict(urllib.parse.parse_qsl(parts.query)), body)
        )
        reply = b'{"errcode": 0, "errmsg": "ok"}' if self.server.status == 200 else b"down"
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


def _serve() -> Iterator[HookServer]:
    """An HTTP server on loopback in a thread, shut down and joined afterwards."""
    server = HookServer()
    # A short poll interval: shutdown() waits for the loop's next poll.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def hook_server() -> Iterator[HookServer]:
    """A webhook endpoint on loopback."""
    yield from _serve()


@pytest.fixture
def robot_server() -> Iterator[HookServer]:
    """A second endpoint, standing in for a chat robot (企业微信) that can be taken down."""
    yield from _serve()


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must not go through a proxy set in the environment."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
