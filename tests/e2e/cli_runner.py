"""The ``ledger`` command on a private SQLite file, run as a person's process would run it.

Most end-to-end tests run the command in-process through ``ledger.cli.main`` — the same
entry point the installed script calls, which turns refusals into one line on standard
error and an exit status — because a new Python process costs ~0.3 s. Either way the
command sees what a person's process sees: the database in ``LEDGER_DB``, "today" in
``LEDGER_TODAY``, a private ``HOME`` (and XDG folders under it), and no ``LEDGER_CONFIG``,
so no user's configuration leaks in. ``test_desk_harness`` shows that the in-process run
prints exactly what the real process prints; the tests that must see the whole path (the
installed entry point, a fresh interpreter) use ``LedgerCli.process`` or ``run_process``.
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
from collections.abc import Mapping, Sequence
from contextlib import closing, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from ledger.cli import main

# What the installed ``ledger`` script does, for a fresh interpreter of this virtualenv.
LEDGER_COMMAND = (sys.executable, "-c", "from ledger.cli import main; main()")


def person_env(overrides: Mapping[str, str]) -> dict[str, str]:
    """This environment without ``LEDGER_CONFIG``, with ``overrides`` on top.

    Without it a developer's own ``LEDGER_CONFIG`` would change what the tests see.
    """
    env = {k: v for k, v in os.environ.items() if k != "LEDGER_CONFIG"}
    env.update(overrides)
    return env


def run_process(args: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """``ledger ARGS`` as a new process with exactly ``env``: the whole path a person runs."""
    return subprocess.run(
        [*LEDGER_COMMAND, *args],
        capture_output=True,
        text=True,
        env=dict(env),
        timeout=120,
        check=False,
    )


def argv(args: tuple[str, ...]) -> list[str]:
    """One argument is a command line as typed at the desk (split as a shell does); more are argv.

    Desk tests read best as the line the clerk types; report tests pass paths as separate
    words so that no quoting is needed.
    """
    return shlex.split(args[0]) if len(args) == 1 else list(args)


@dataclass(frozen=True)
class Ran:
    """One run of the command: exit status and the two output streams."""

    code: int
    out: str
    err: str

    @property
    def line(self) -> str:
        """The single line a command printed (its confirmation or its refusal).

        Desk commands answer in one line; more would bury the due date or the reason.
        """
        stream = self.out if self.code == 0 else self.err
        lines = stream.strip().splitlines()
        assert len(lines) == 1, f"expected one line, got {lines!r}"
        return lines[0]

    @property
    def notes(self) -> str:
        """Standard error without the retry hint a recording command prints (its command id)."""
        lines = self.err.splitlines(keepends=True)
        return "".join(x for x in lines if not x.startswith("command id: "))

    def refusal(self) -> str:
        """The one stderr line of a refusal (and nothing on stdout, no traceback).

        A person sees a refusal as that line and the exit status; a traceback is a bug.
        """
        assert self.code != 0, self.out
        assert "Traceback" not in self.err, self.err
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, f"expected one line, got {lines!r}"
        return lines[0]

    def json(self) -> Any:
        """Standard output read as JSON, once the command has succeeded (else its stderr shows)."""
        assert self.code == 0, self.err
        return json.loads(self.out)


HISTORY_DAYS = 3650
"""The tests replay years-old requests on a pinned day: their user configuration lets a
fact be dated this many days back without ``--backdated`` (the rule's own tests set less)."""


def history_config(home: Path, backdate_days: int = HISTORY_DAYS) -> Path:
    """Write the user configuration file of a test ``HOME`` (if it has none yet)."""
    path = home / ".config" / "ledger" / "ledger.toml"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"backdate_days = {backdate_days}\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Snapshot:
    """What a refusal must leave untouched: the log's size, head and hash, and applicants."""

    events: int
    last_position: int | None
    last_hash: str | None
    applicants: str


class LedgerCli:
    """The ``ledger`` command on one SQLite file, with "today" pinned and no user config.

    ``cli("record decide R-1 --date 2020-03-20 --outcome 予以公开")`` runs a command line
    the way the clerk types it; ``cli("show", request_id)`` takes the words separately.
    The file's folder is the command's ``HOME``, so each database has a home of its own.
    """

    def __init__(self, db: Path, today: str, *, init: bool = True, lang: str | None = "en") -> None:
        """``init`` makes the books first (``ledger init``), as the office's IT person does.

        ``lang`` is LEDGER_LANG: English by default, as most tests compare English;
        None leaves the language unset, so ledger speaks Chinese as it does for a person.
        """
        self.db = db
        self.today = today
        self.lang = lang
        if init and not db.exists():
            self.ok("init")

    def env(self, today: str | None = None) -> dict[str, str]:
        """The variables a person's shell would set for this database and day."""
        if self.db.parent.is_dir():  # a missing folder stays missing: the books are refused
            history_config(self.db.parent)
        home = str(self.db.parent)
        return {
            "LEDGER_DB": f"sqlite:///{self.db}",
            "LEDGER_TODAY": today or self.today,
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/.config",
            "XDG_DATA_HOME": f"{home}/.local/share",
            **({"LEDGER_LANG": self.lang} if self.lang else {}),
        }

    def __call__(self, *args: str, today: str | None = None) -> Ran:
        """``ledger ARGS`` in this process, through the script's entry point.

        The environment, ``sys.argv`` and structlog's configuration (which ``main`` sets)
        are restored afterwards, so one run cannot leak into the next test.
        """
        env = self.env(today)
        saved_env = {k: os.environ.get(k) for k in (*env, "LEDGER_CONFIG", "LEDGER_LANG")}
        saved_argv, saved_logging = sys.argv, structlog.get_config()
        os.environ.pop("LEDGER_CONFIG", None)
        os.environ.pop("LEDGER_LANG", None)
        os.environ.update(env)
        sys.argv = ["ledger", *argv(args)]
        out, err, code = io.StringIO(), io.StringIO(), 0
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
        """``ledger ARGS`` as a new process, as a person runs it (for the tests of that path)."""
        env = person_env(self.env(today))
        if self.lang is None:
            env.pop("LEDGER_LANG", None)
        done = run_process(argv(args), env)
        return Ran(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, today: str | None = None) -> str:
        """Run in-process, insist on success, and return the one line printed.

        Most desk steps are set-up whose only check is that they were accepted.
        """
        ran = self(*args, today=today)
        assert ran.code == 0, ran.err
        return ran.line

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        """Rows straight from the SQLite file, bypassing ledger (which is what is under test)."""
        with closing(sqlite3.connect(self.db)) as conn:
            return conn.execute(query, params).fetchall()

    def events(self) -> tuple[int, str | None]:
        """The log's size and head hash: the hash chains every event, so equal means unwritten."""
        count = self.sql("SELECT count(*) FROM events")[0][0]
        head = self.sql("SELECT hash FROM events ORDER BY position DESC LIMIT 1")
        return count, head[0][0] if head else None

    def snapshot(self) -> Snapshot:
        """The state a refusal must not change: the log's head and the applicants table."""
        count, head = self.events()
        last = self.sql("SELECT max(position) FROM events")[0][0]
        people = self.sql("SELECT * FROM applicants ORDER BY ref")
        digest = hashlib.sha256(repr(people).encode()).hexdigest()
        return Snapshot(count, last, head, digest)
