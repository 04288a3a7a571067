"""`ledger user …` and `ledger serve`: the first admin, and the pages served by uvicorn."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.e2e.cli_runner import LEDGER_COMMAND, LedgerCli, person_env

PASSWORD = "first admin password"


def user(
    cli: LedgerCli, line: str, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``ledger user …`` as a process, the password (if any) piped on standard input."""
    env = person_env(cli.env())
    return subprocess.run([*LEDGER_COMMAND, *line.split()], input=password, capture_output=True,
                          text=True, env=env, timeout=120, check=False)  # fmt: skip


def test_the_first_admin_and_the_users_lifecycle(tmp_path: Path) -> None:
    """Add an admin and a clerk (password from standard input), list, disable, new password;
    the password is never an argument and never printed."""
    cli = LedgerCli(tmp_path / "books.db", "2021-06-30")
    made = user(cli, "user add root --role admin --agency * --password-stdin", PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "user root added: admin of *"
    user(cli, "user add li --role clerk --agency zjj --password-stdin", "clerk password 1\n")
    listed = cli("user list").out.splitlines()
    assert [line.split()[:3] for line in listed] == [["li", "clerk", "zjj"], ["root", "admin", "*"]]
    assert cli("user disable li").out.strip() == "user li disabled"
    assert "(disabled)" in cli("user list").out
    changed = user(cli, "user passwd li --password-stdin", "another password 2\n")
    assert changed.returncode == 0
    assert "disabled" not in cli("user list").out
    assert cli("user set li --role head --agency zjj --agency zjb").out.strip() == (
        "user li: head of zjj, zjb"
    )
    assert cli("user set li --role head").refusal() == "ledger: user li: nothing to change"
    assert "last enabled admin" in cli("user disable root").refusal()
    everything = made.stdout + made.stderr + changed.stdout + changed.stderr
    assert PASSWORD not in everything
    assert "another password" not in everything


@pytest.mark.parametrize(
    ("line", "stdin", "needle"),
    [
        ("user add li --role boss --agency zjj --password-stdin", "long enough pw\n",
         "Invalid value for '--role'"),
        ("user add 'li si' --role clerk --agency zjj --password-stdin", "long enough pw\n",
         "is not allowed; use 1–64 letters"),
        ("user add li --role clerk --agency zjj --password-stdin", "short\n",
         "password: use 10 to 200 characters"),
        ("user add li --role clerk --agency zjj --password-stdin", "",
         "--password-stdin: standard input held no password"),
        ("user add li --role clerk --agency zjj", "",
         "password: no terminal to ask at; give --password-stdin and pipe it in"),
        ("user disable nobody", None, "user nobody: no such user"),
    ],
    ids=["role", "name", "short-password", "no-password", "no-terminal", "unknown"],
)  # fmt: skip
def test_user_refusals_are_one_line(tmp_path: Path, line: str, stdin: str | None,
                                    needle: str) -> None:  # fmt: skip
    """Each bad user command is refused in one line, and no user is made."""
    cli = LedgerCli(tmp_path / "books.db", "2021-06-30")
    words = line.replace("'li si'", "li_si!")
    done = user(cli, words, stdin)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert needle in done.stderr
    assert cli("user list").out.startswith("no users yet")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_ledger_serve_runs_uvicorn_on_loopback(tmp_path: Path) -> None:
    """`ledger serve` answers on loopback: the sign-in page, a signed-in dashboard through a
    real HTTP session with its cookie, and the security headers; it stops on SIGTERM."""
    cli = LedgerCli(tmp_path / "books.db", "2021-06-30")
    user(cli, "user add root --role head --agency * --password-stdin", PASSWORD + "\n")
    port = free_port()
    env = {**person_env(cli.env()), "LEDGER_WEB_SECRET": "loopback-key"}
    server = subprocess.Popen([*LEDGER_COMMAND, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = _wait_for(opener, f"{base}/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        form = urlencode({"csrf": token, "username": "root", "password": PASSWORD,
                          "next": "/today"}).encode()  # fmt: skip
        with opener.open(f"{base}/login", data=form, timeout=10) as answer:
            assert answer.url.endswith("/today")
            assert answer.headers["x-frame-options"] == "DENY"
            assert "Alerts, most urgent first" in answer.read().decode()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    # uvicorn shuts down cleanly, then re-raises SIGTERM so that the exit says why.
    assert "Application shutdown complete" in output
    assert server.returncode in (0, -15), output
    assert PASSWORD not in output


def _wait_for(opener: urllib.request.OpenerDirector, url: str) -> str:
    """The page at ``url`` once the server answers (it starts in a second or two)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with opener.open(url, timeout=5) as answer:
                return str(answer.read().decode())
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
