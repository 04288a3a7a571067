"""Fixtures for the real servers on loopback in ``tests/loopback.py``.

Each fixture starts its server for one test and stops it afterwards (threads joined), so
no test sees another's mail or posts. The notifier tests and the nightly-job tests share
them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.loopback import SmtpServer, WebhookServer, run_smtp, run_webhook, server_context


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP; AUTH offered without TLS (loopback only) and never required."""
    yield from run_smtp(auth_require_tls=False)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = "openssl req -x509 -nodes -days 2 -subj /CN=127.0.0.1"
    command += " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
    command += " -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def starttls_server(tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """SMTP that requires STARTTLS before anything, and AUTH only over TLS."""
    yield from run_smtp(tls_context=server_context(tls_files), require_starttls=True)


@pytest.fixture
def smtps_server(tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """SMTP over implicit TLS (the port-465 style)."""
    yield from run_smtp(ssl_context=server_context(tls_files))


@pytest.fixture
def web() -> Iterator[WebhookServer]:
    """A webhook endpoint on loopback (a JSON archive, or a chat robot's URL)."""
    yield from run_webhook()


@pytest.fixture
def robot_server() -> Iterator[WebhookServer]:
    """A second endpoint, standing in for a chat robot (企业微信) that can be taken down.

    A test of several notifiers needs it to fail one while ``web`` keeps answering.
    """
    yield from run_webhook()


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must not go through a proxy set in the environment."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word, to test timeouts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    """Empty books at the current schema, made once a module and copied for each example
    of a property test (migrating a new database is the slow part)."""
    from ledger.bootstrap import bootstrap
    from ledger.config import Config

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.db"
        bootstrap(f"sqlite:///{path}", Config()).close()
        yield path
