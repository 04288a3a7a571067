"""`ledger scheduler` as an operator runs it: a real process, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO

import pytest

from ledger.bootstrap import bootstrap
from ledger.events.reminders import RUN_COMPLETED, SENT
from tests.alert_history import receive

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

TODAY = "2024-05-06"


def prepare(url: str) -> None:
    """Two alerts as of 2024-05-06: A overdue, B due in 2 working days."""
    app = bootstrap(url)
    receive(app, "A", date(2024, 4, 1))
    receive(app, "B", date(2024, 4, 8))
    app.close()


def count(url: str, type_name: str) -> int:
    app = bootstrap(url, ensure=False)
    try:
        return sum(1 for _ in app.store.read_all(types=[type_name]))
    finally:
        app.close()


def wait_for(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Start ``ledger scheduler --interval 1`` on a database; kill leftovers afterwards."""
    started: list[subprocess.Popen[str]] = []
    logs: list[IO[str]] = []
    env = {**os.environ, "HOME": str(tmp_path), "LEDGER_TODAY": TODAY}
    env.pop("LEDGER_CONFIG", None)

    def run(url: str) -> subprocess.Popen[str]:
        log = (tmp_path / f"scheduler-{len(started)}.log").open("w")
        logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-c", "from ledger.cli import main; main()", "--db", url,
             "--log-format", "json", "scheduler", "--interval", "1"],
            stdout=log, stderr=subprocess.STDOUT, env=env, text=True,
        )  # fmt: skip
        started.append(process)
        return process

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
    for log in logs:
        log.close()


def stop(process: subprocess.Popen[str]) -> int:
    """SIGTERM, and the exit status within a few seconds."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=10)


def test_scheduler_runs_and_stops_cleanly_on_sigterm(
    tmp_path: Path, start: Callable[[str], subprocess.Popen[str]]
) -> None:
    """The scheduler sends the reminders within seconds, and SIGTERM ends it with status 0."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    prepare(url)
    process = start(url)
    wait_for(lambda: count(url, SENT) == 2)
    assert stop(process) == 0
    output = (tmp_path / "scheduler-0.log").read_text()
    assert '"event": "scheduler started"' in output
    assert '"event": "scheduler stopped"' in output
    assert '"signal": "SIGTERM"' in output
    assert "Traceback" not in output
    assert count(url, SENT) == 2


@pytest.mark.postgres
def test_two_schedulers_on_one_postgresql_do_the_work_once(
    pg_url: str, start: Callable[[str], subprocess.Popen[str]]
) -> None:
    """Two schedulers on one PostgreSQL database run side by side, yet each reminder is sent once."""
    prepare(pg_url)
    first, second = start(pg_url), start(pg_url)
    wait_for(lambda: count(pg_url, RUN_COMPLETED) >= 6)
    assert stop(first) == 0
    assert stop(second) == 0
    assert count(pg_url, SENT) == 2
