"""The desk's `ledger` command on a private SQLite file, in-process or as a real process.

The desk tests run most commands in-process through ``ledger.cli.main`` — the same entry
point the installed script calls, which turns refusals into one line on standard error
and an exit status — because a new Python process costs ~0.3 s. The tests at the bottom
of this module show that the in-process run prints exactly what the real process prints,
so the other desk tests may rely on it; a few of them also run the real process.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shlex
import sqlite3
import subprocess
import sys
from contextlib import closing, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from ledger.cli import main

# What the environment of a desk command may hold; everything else is inherited.
_ENV_KEYS = ("LEDGER_DB", "LEDGER_TODAY", "LEDGER_CONFIG", "HOME")


@dataclass(frozen=True)
class Ran:
    """One run of the command: exit status and the two output streams."""

    code: int
    out: str
    err: str

    @property
    def line(self) -> str:
        """The single line a command printed (its confirmation or its refusal)."""
        stream = self.out if self.code == 0 else self.err
        lines = stream.strip().splitlines()
        assert len(lines) == 1, f"expected one line, got {lines!r}"
        return lines[0]

    def json(self) -> Any:
        """Standard output read as JSON."""
        assert self.code == 0, self.err
        return json.loads(self.out)


@dataclass(frozen=True)
class Snapshot:
    """What a refusal must leave untouched: the log's size, head and hash, and applicants."""

    events: int
    last_position: int | None
    last_hash: str | None
    applicants: str


def argv(args: tuple[str, ...]) -> list[str]:
    """One argument is a command line as typed at the desk (split as a shell does); more are argv."""
    return shlex.split(args[0]) if len(args) == 1 else list(args)


class DeskCli:
    """The ``ledger`` command on one SQLite file, with "today" pinned.

    ``desk("record decide R-1 --date 2020-03-20 --outcome 予以公开")`` runs a command line
    the way the clerk types it; ``desk("show", request_id)`` takes the words separately.
    """

    def __init__(self, folder: Path, today: str) -> None:
        self.folder = folder
        self.path = folder / "desk.db"
        self.url = f"sqlite:///{self.path}"
        self.today = today

    def _env(self, today: str | None) -> dict[str, str]:
        return {
            "LEDGER_DB": self.url,
            "LEDGER_TODAY": today or self.today,
            "HOME": str(self.folder),
        }

    def __call__(self, *args: str, today: str | None = None) -> Ran:
        """Run ``ledger ARGS`` in this process through ``ledger.cli.main``."""
        words = argv(args)
        saved_env = {k: os.environ.get(k) for k in _ENV_KEYS}
        saved_argv = sys.argv
        saved_logging = structlog.get_config()
        os.environ.pop("LEDGER_CONFIG", None)
        os.environ.update(self._env(today))
        sys.argv = ["ledger", *words]
        out, err = io.StringIO(), io.StringIO()
        code = 0
        try:
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = saved_argv
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            structlog.configure(**saved_logging)
        return Ran(code, out.getvalue(), err.getvalue())

    def process(self, *args: str, today: str | None = None) -> Ran:
        """Run ``ledger ARGS`` as a new process, as a person at the desk does."""
        env = {k: v for k, v in os.environ.items() if k != "LEDGER_CONFIG"}
        env.update(self._env(today))
        done = subprocess.run(
            [sys.executable, "-c", "from ledger.cli import main; main()", *argv(args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        return Ran(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, today: str | None = None) -> str:
        """Run in-process, insist on success, and return the one line printed."""
        ran = self(*args, today=today)
        assert ran.code == 0, ran.err
        return ran.line

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        """Rows straight from the SQLite file, bypassing ledger."""
        with closing(sqlite3.connect(self.path)) as conn:
            return conn.execute(query, params).fetchall()

    def snapshot(self) -> Snapshot:
        """The state a refusal must not change."""
        count, last = self.sql("SELECT count(*), max(position) FROM events")[0]
        head = self.sql("SELECT hash FROM events ORDER BY position DESC LIMIT 1")
        people = self.sql("SELECT * FROM applicants ORDER BY ref")
        digest = hashlib.sha256(repr(people).encode()).hexdigest()
        return Snapshot(count, last, head[0][0] if head else None, digest)


# --- the harness agrees with the real process ---------------------------------------------


def test_in_process_confirmation_matches_the_real_process(tmp_path: Path) -> None:
    """A step run in-process prints the same confirmation line as the same step run as a process."""
    inproc = DeskCli(tmp_path / "a", "2020-03-31")
    real = DeskCli(tmp_path / "b", "2020-03-31")
    line = "record receive R-1 --date 2020-03-02 --channel in-person --applicant 自然人"
    a, b = inproc(line), real.process(line)
    assert (a.code, a.out, a.err) == (b.code, b.out, b.err)
    assert a.out == "R-1: received 2020-03-02 (in-person, natural); due 2020-03-30\n"


def test_in_process_refusal_matches_the_real_process(tmp_path: Path) -> None:
    """A refusal run in-process gives the same exit status and stderr line as the real process."""
    desk = DeskCli(tmp_path, "2020-03-31")
    line = "record decide NOPE --date 2020-03-05 --outcome disclosed"
    a, b = desk(line), desk.process(line)
    assert (a.code, a.out, a.err) == (b.code, b.out, b.err)
    assert a.code == 1
    assert a.err == "ledger: request NOPE: no such request; `ledger list` shows the requests\n"
