"""Real servers on loopback for the notifier paths: aiosmtpd for mail, http.server for webhooks.

One set serves every test that delivers for real: the notifier tests and the nightly-job
tests alike. The servers live in this plain module so that tests can import their types
and the SMTP login; ``tests/integration/conftest.py`` turns them into fixtures that stop
each server (and join its thread) when the test ends.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

SMTP_USER = "ledger"
SMTP_PASSWORD = "pw-9f3K-never-shown"


def free_port() -> int:
    """A port nothing listens on right now (closed again before use)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return cast(int, sock.getsockname()[1])


# --- SMTP ------------------------------------------------------------------------------


@dataclass
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    authenticated: bool


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message and refuses ``nobody@`` recipients."""

    messages: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        """Refuse ``nobody@…`` so a partly refused delivery can be tested."""
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message, parsed the way a mail client would."""
        content = cast(bytes, envelope.original_content)
        parsed = message_from_bytes(content, policy=policy.default)
        received = Received(
            mail_from=cast(str, envelope.mail_from),
            rcpt_tos=list(envelope.rcpt_tos),
            message=cast(EmailMessage, parsed),
            authenticated=bool(session.authenticated),
        )
        self.messages.append(received)
        return "250 OK"


def authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """Accept only SMTP_USER with SMTP_PASSWORD, so a wrong login is refused as a server would."""
    ok = isinstance(auth_data, LoginPassword) and auth_data == LoginPassword(
        SMTP_USER.encode(), SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    """A running aiosmtpd server and what it received."""

    port: int
    mailbox: Mailbox


def run_smtp(**options: Any) -> Iterator[SmtpServer]:
    """Start aiosmtpd on loopback with AUTH available, yield it, stop it.

    ``options`` go to aiosmtpd's Controller: the TLS context, whether AUTH needs TLS.
    """
    mailbox = Mailbox()
    port = free_port()  # aiosmtpd cannot report a port it chose itself
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=authenticate, **options
    )
    controller.start()
    try:
        yield SmtpServer(port, mailbox)
    finally:
        controller.stop()


def server_context(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    """The server side of a test certificate and key, for STARTTLS or implicit TLS."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    return context


# --- HTTP ------------------------------------------------------------------------------


@dataclass
class Post:
    """One POST as the webhook server got it."""

    path: str
    query: dict[str, str]
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body decoded as UTF-8 JSON, as the robots decode it."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Reply:
    """What the webhook server answers; the default is a chat robot's success."""

    status: int = 200
    body: bytes = b'{"errcode": 0, "errmsg": "ok"}'
    headers: dict[str, str] = field(default_factory=dict)


class WebhookServer(ThreadingHTTPServer):
    """Records POSTs; answers with queued replies, then with ``default``.

    ``hold``, when set, makes every answer wait (after the POST is recorded) until the
    event is set: a slow receiver, during which a sender can be killed mid-delivery.
    """

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), WebhookHandler)
        self.posts: list[Post] = []
        self.replies: list[Reply] = []
        self.default = Reply()
        self.hold: threading.Event | None = None

    def url(self, path_and_query: str) -> str:
        """A URL on this server."""
        return f"http://127.0.0.1:{self.server_address[1]}{path_and_query}"


class WebhookHandler(BaseHTTPRequestHandler):
    """Handles one request for WebhookServer."""

    server: WebhookServer

    def do_POST(self) -> None:
        """Record the body, send the next reply."""
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        content_type = self.headers.get("Content-Type", "")
        headers = dict(self.headers.items())
        self.server.posts.append(Post(parts.path, query, content_type, body, headers))
        if self.server.hold is not None:
            self.server.hold.wait(timeout=30)
        reply = self.server.replies.pop(0) if self.server.replies else self.server.default
        self.send_response(reply.status)
        for name, value in {"Content-Type": "application/json", **reply.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


def run_webhook() -> Iterator[WebhookServer]:
    """A webhook server on loopback in a thread, yield it, shut it down and join the thread."""
    server = WebhookServer()
    # A short poll interval: shutdown() waits for the loop's next poll.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
