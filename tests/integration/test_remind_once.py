"""Reminders delivered once per (notifier, reminder) by real `ledger` processes: killed
mid-delivery, or two runs at once, on SQLite and PostgreSQL, against a loopback webhook.

The webhook records each POST, then (while ``hold`` is unset) keeps the sender waiting
for its answer: the moment a crash or a second run matters most. These tests are the
proof quoted in docs/reliability.md ("Reminders").
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from ledger.bootstrap import bootstrap
from ledger.events.reminders import CLAIMED, SENT
from tests.alert_history import receive
from tests.loopback import WebhookServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

TODAY = "2024-05-06"
REQUESTS = 10
"""Requests received 2024-04-01: each one is overdue on 2024-05-06, one reminder each."""

Run = Callable[..., subprocess.Popen[str]]


def prepare(url: str) -> None:
    """Ten overdue requests, hence ten reminders per notifier."""
    app = bootstrap(url)
    for number in range(REQUESTS):
        receive(app, f"R{number}", date(2024, 4, 1))
    app.close()


def recorded(url: str, type_name: str) -> list[dict[str, object]]:
    app = bootstrap(url, ensure=False)
    try:
        return [e.data for e in app.store.read_all(types=[type_name])]
    finally:
        app.close()


def duplicates(records: list[dict[str, object]]) -> int:
    """How many records repeat an earlier one's (notifier, request, kind, date)."""
    keys = Counter((r["notifier"], r["request"], r["kind"], r["date"]) for r in records)
    return sum(n - 1 for n in keys.values())


def wait_for(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.fixture
def slow(web: WebhookServer, no_proxy: None) -> Iterator[WebhookServer]:
    """The webhook, holding every answer until the test sets ``hold``."""
    web.hold = threading.Event()
    yield web
    web.hold.set()


@pytest.fixture
def run(tmp_path: Path, slow: WebhookServer) -> Iterator[Run]:
    """Start ``ledger … ARGS`` on a database with a JSON webhook notifier; kill leftovers."""
    config = tmp_path / "ledger.toml"
    config.write_text(
        f'[[notifiers]]\ntype = "webhook"\nname = "hook"\nurl = "{slow.url("/in")}"\n'
        "timeout = 30\n",
        encoding="utf-8",
    )
    env = {**os.environ, "HOME": str(tmp_path), "LEDGER_TODAY": TODAY}
    started: list[subprocess.Popen[str]] = []

    def start(url: str, *args: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", "from ledger.cli import main; main()", "--db", url,
             "--config", str(config), "--log-format", "json", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_a_run_killed_mid_delivery_repeats_at_most_the_message_in_flight(
    db_url: str, slow: WebhookServer, run: Run
) -> None:
    """SIGKILL while the webhook delays its answer, twice, then a full run: at most one repeated message per kill, each reminder marked as a possible repeat, and no reminder recorded as sent twice."""
    prepare(db_url)
    kills = 2
    for kill in range(1, kills + 1):
        process = run(db_url, "remind")
        wait_for(lambda posts=kill: len(slow.posts) == posts)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    assert slow.hold is not None
    slow.hold.set()
    final = run(db_url, "remind")
    output = final.communicate(timeout=30)[0]
    assert final.returncode == 0, output

    bodies = [post.json()["reminders"] for post in slow.posts]
    assert len(bodies) <= 1 + kills
    ids = [sorted(r["id"] for r in body) for body in bodies]
    assert all(batch == ids[0] for batch in ids)
    assert len(ids[0]) == REQUESTS
    assert [r["repeat"] for r in bodies[0]] == [False] * REQUESTS
    assert all(r["repeat"] for body in bodies[1:] for r in body)
    sent = recorded(db_url, SENT)
    assert duplicates(sent) == 0
    assert len(sent) == 2 * REQUESTS  # the log notifier and the webhook
    assert Counter(c["repeat"] for c in recorded(db_url, CLAIMED) if c["notifier"] == "hook") == {
        False: REQUESTS, True: kills * REQUESTS
    }


@pytest.mark.parametrize(
    ("command", "second_status", "second_says"),
    [
        (("remind",), 1, "another reminder run is delivering now; this run sent nothing"),
        (("scheduler", "--once"), 0, "run skipped: another"),
    ],
    ids=["remind", "scheduler"],
)
def test_two_runs_at_once_deliver_and_record_each_reminder_once(
    db_url: str,
    slow: WebhookServer,
    run: Run,
    command: tuple[str, ...],
    second_status: int,
    second_says: str,
) -> None:
    """A second run started while the first is mid-delivery sends and records nothing: one message, no duplicate record."""
    prepare(db_url)
    first = run(db_url, *command)
    wait_for(lambda: len(slow.posts) == 1)
    second = run(db_url, *command)
    said = second.communicate(timeout=30)[0]
    assert second.returncode == second_status, said
    assert second_says in said
    assert slow.hold is not None
    slow.hold.set()
    assert first.wait(timeout=30) == 0
    assert len(slow.posts) == 1
    sent = recorded(db_url, SENT)
    assert duplicates(sent) == 0
    assert len(sent) == 2 * REQUESTS
    assert duplicates(recorded(db_url, CLAIMED)) == 0
