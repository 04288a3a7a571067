"""`ledger serve --workers 2`: two processes answer the pages of one set of books.

The server runs as a person starts it (a real process on a free loopback port), on a
SQLite file and on PostgreSQL: people sign in and open pages at once, the connections
are answered by both workers (seen in /proc: which worker holds each connection), a
session made by one worker is honoured by the other (one key), failed sign-ins are
counted across them, and SIGTERM or SIGINT stops the workers and their supervisor.
"""

from __future__ import annotations

import http.client
import re
import signal
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ledger import accounts
from ledger.bootstrap import bootstrap
from tests.e2e.cli_runner import LEDGER_COMMAND, person_env
from tests.e2e.test_web_cli import free_port

PASSWORD = "worker test password"
COOKIE = re.compile(r"ledger_session=([^;]*)")
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
ATTEMPTS = 5  # [web] login_attempts, by default
WORKER = re.compile(r"Started server process \[(\d+)\]")


@dataclass
class Browser:
    """One person: a keep-alive connection and the session cookie."""

    port: int
    cookie: str = ""
    conn: http.client.HTTPConnection = field(init=False)

    def __post_init__(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def call(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": f"ledger_session={self.cookie}"} if self.cookie else {}
        body = urllib.parse.urlencode(form) if form else None
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        answer = self.conn.getresponse()
        text = answer.read().decode()
        found = COOKIE.search(answer.getheader("set-cookie") or "")
        if found:
            self.cookie = found.group(1)
        return answer.status, text

    def once(self, method: str, path: str) -> int:
        """One page on this connection, which is then closed."""
        try:
            return self.call(method, path)[0]
        finally:
            self.conn.close()

    def sign_in_once(self, password: str) -> int:
        """A sign-in on a connection of its own, closed after."""
        try:
            return self.sign_in(password)
        finally:
            self.conn.close()

    def sign_in(self, password: str = PASSWORD) -> int:
        _status, page = self.call("GET", "/login")
        token = TOKEN.search(page)
        assert token is not None
        form = {"csrf": token.group(1), "username": "head", "password": password, "next": "/today"}
        status, _ = self.call("POST", "/login", form)
        return status


@dataclass
class Served:
    """``ledger serve --workers 2`` on a port, its output in a file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> list[int]:
        return [int(pid) for pid in WORKER.findall(self.output())]

    def wait_up(self) -> None:
        deadline = time.monotonic() + 60
        while len(self.workers()) < 2 or not self._answers():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            Browser(self.port).once("GET", "/login")
        except OSError:
            return False
        return True


@pytest.fixture
def sqlite_books(tmp_path: Path) -> str:
    return str(tmp_path / "books.db")


def serve(books: str, tmp_path: Path) -> Iterator[Served]:
    """The books with a head of every agency, served by two workers until the test ends."""
    app = bootstrap(books)
    try:
        accounts.add_user(app.db, "head", PASSWORD, "head", ("*",))
    finally:
        app.close()
    port = free_port()
    env = person_env({"LEDGER_DB": books, "LEDGER_TODAY": "2021-06-30", "LEDGER_LANG": "en",
                      "HOME": str(tmp_path)})  # fmt: skip
    env.pop("LEDGER_WEB_SECRET", None)  # the key file: made once, read by both workers
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*LEDGER_COMMAND, "serve", "--port", str(port), "--workers", "2"],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    served = Served(process, port, log)
    try:
        served.wait_up()
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture
def on_sqlite(sqlite_books: str, tmp_path: Path) -> Iterator[Served]:
    yield from serve(sqlite_books, tmp_path)


@pytest.fixture
def on_postgres(pg_url: str, tmp_path: Path) -> Iterator[Served]:
    yield from serve(pg_url, tmp_path)


def holders(port: int, pids: list[int]) -> dict[int, int]:
    """Per worker, how many open connections to ``port`` it holds (from /proc)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # ESTABLISHED, the server's end
            inodes.add(fields[9])
    counts = {}
    for pid in pids:
        sockets = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = fd.readlink().name
            except OSError:
                continue
            sockets += target.startswith("socket:[") and target[8:-1] in inodes
        counts[pid] = sockets
    return counts


def people_at_once(served: Served, count: int) -> list[Browser]:
    """``count`` people signing in and opening pages at the same moment; all answered."""
    people = [Browser(served.port) for _ in range(count)]
    failures: list[str] = []
    start = threading.Barrier(count)

    def work(person: Browser) -> None:
        start.wait()
        if person.sign_in() != 303:
            failures.append("sign-in refused")
        for path in ("/today", "/requests", "/government"):
            status, page = person.call("GET", path)
            if status != 200 or "<html" not in page:
                failures.append(f"{path}: {status}")

    threads = [threading.Thread(target=work, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    return people


def two_workers_answer(served: Served) -> None:
    """Both workers hold connections of people served at once, and a session signed by
    one is honoured by the other; then a worker's session cookie is good everywhere."""
    pids = served.workers()
    assert len(set(pids)) == 2, served.output()
    seen: dict[int, int] = {}
    for _round in range(10):  # the kernel hands each connection to whichever worker accepts
        people = people_at_once(served, 8)
        seen = holders(served.port, pids)
        for person in people:  # every session valid on whichever worker answers now
            person.conn.close()
            assert Browser(served.port, person.cookie).once("GET", "/today") == 200
        if all(seen.values()):
            break
    assert all(seen.values()), f"connections per worker: {seen}"


def wrong_passwords_are_counted_across_workers(served: Served) -> None:
    """The sign-in throttle lives in the database: a guesser on new connections (any
    worker answers each) is stopped after the allowed attempts, the right password included."""
    guesses = [Browser(served.port).sign_in_once("not the password") for _ in range(ATTEMPTS + 1)]
    assert guesses == [401] * ATTEMPTS + [429]
    assert Browser(served.port).sign_in_once(PASSWORD) == 429


def stops_on(served: Served, sig: signal.Signals) -> None:
    served.process.send_signal(sig)
    served.process.wait(timeout=60)
    output = served.output()
    for pid in served.workers():
        assert f"Finished server process [{pid}]" in output, output
    assert output.count("Application shutdown complete") == 2, output
    assert "Stopping parent process" in output
    assert served.process.returncode == 0, output
    assert PASSWORD not in output


def test_two_workers_serve_a_sqlite_file_and_stop_on_sigterm(on_sqlite: Served) -> None:
    two_workers_answer(on_sqlite)
    wrong_passwords_are_counted_across_workers(on_sqlite)
    stops_on(on_sqlite, signal.SIGTERM)


@pytest.mark.postgres
def test_two_workers_serve_postgres_and_stop_on_sigint(on_postgres: Served) -> None:
    two_workers_answer(on_postgres)
    wrong_passwords_are_counted_across_workers(on_postgres)
    stops_on(on_postgres, signal.SIGINT)
