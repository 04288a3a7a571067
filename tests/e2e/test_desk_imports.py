"""A desk command loads the drivers, never SQLAlchemy or SQLModel (they cost its start-up),
nor what only other commands need: structlog and rich (logging), the report renderers;
nor, without a configuration file, the configuration's model and the notifier tables;
nor the events of other commands (annual records, reminders, exports, notices), nor
``importlib.metadata`` (pydantic's plugin scan, skipped when plugins are disabled)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.cli_runner import LedgerCli

# Runs the installed entry point in a fresh interpreter and, as it exits, names the
# modules kept off the desk path that it loaded (none, if the desk path is lean): any
# module of the packages in ``roots``, and the modules in ``kept``.
PROBE = """
import atexit, sys
def _loaded():
    roots = ("sqlalchemy", "sqlmodel", "alembic", "structlog", "rich", "ledger.notifiers")
    kept = (
        "ledger.report.render", "ledger.config", "ledger.settings", "ledger.cli.annual",
        "ledger.commands.annual", "ledger.events.annual", "ledger.events.reminders",
        "ledger.events.exports", "ledger.events.notices", "importlib.metadata", "babel",
    )
    heavy = sorted(
        m for m in sys.modules
        if m.split(".")[0] in roots or ".".join(m.split(".")[:2]) in roots or m in kept
    )
    sys.stderr.write("LOADED:" + ",".join(heavy) + "\\n")
atexit.register(_loaded)
from ledger.cli import main
main()
"""


def _loaded(ledger: LedgerCli, *args: str) -> tuple[int, list[str]]:
    """The exit status of ``ledger ARGS`` in a new process and the heavy modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True, text=True, env=ledger.env(), timeout=120, check=False,
    )  # fmt: skip
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED:"))
    names = line.removeprefix("LOADED:")
    return done.returncode, names.split(",") if names else []


def test_desk_commands_do_not_import_sqlalchemy(tmp_path: Path) -> None:
    """Recording a receipt, a decision and showing a request load none of them."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    for args in (
        ("record", "receive", "R1", "--date", "2021-03-01", "--channel", "in-person",
         "--applicant", "natural", "--name", "张三", "--phone", "13800000000"),
        ("record", "decide", "R1", "--date", "2021-03-10", "--outcome", "disclosed"),
        ("show", "R1"),
    ):  # fmt: skip
        code, heavy = _loaded(ledger, *args)
        assert code == 0, args
        assert heavy == [], (args, heavy)


def test_a_refused_desk_command_does_not_import_sqlalchemy(tmp_path: Path) -> None:
    """A command refused for missing books says so without loading SQLAlchemy."""
    ledger = LedgerCli(tmp_path / "none.db", "2021-03-31", init=False)
    code, heavy = _loaded(ledger, "show", "R1")
    assert code != 0
    assert heavy == []
