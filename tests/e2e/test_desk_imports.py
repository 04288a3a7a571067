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

ALWAYS_OFF = (
    "sqlalchemy", "sqlmodel", "alembic", "structlog", "rich", "babel", "importlib.metadata",
    "ledger.report.render", "ledger.cli.annual", "ledger.commands.annual",
    "ledger.events.exports", "ledger.events.notices", "email",
)  # fmt: skip
"""Off the desk path, without a configuration file or with the tests' (``backdate_days``
only; e-mail notifier tables would load ``email`` to check their addresses): packages and
their modules."""

OFF_WHEN_RECORDING = (
    "ledger.projections.alerts",
    "ledger.events.annual",
    "ledger.events.reminders",
)
"""Off ``record receive`` and ``record decide`` (``show`` lists the request's alerts)."""

OFF_WITHOUT_A_FILE = ("ledger.config", "ledger.settings", "ledger.notifiers")
"""Off the desk path too when there is no configuration file: the model is not built."""

# Runs the installed entry point in a fresh interpreter and, as it exits, names the
# modules of OFF it loaded (none, if the desk path is lean).
PROBE = """
import atexit, sys
OFF = {off!r}
def _loaded():
    heavy = sorted(m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in OFF))
    sys.stderr.write("LOADED:" + ",".join(heavy) + "\\n")
atexit.register(_loaded)
from ledger.cli import main
main()
"""


def _loaded(
    ledger: LedgerCli, *args: str, off: tuple[str, ...] = ALWAYS_OFF, **env: str
) -> tuple[int, list[str]]:
    """The exit status of ``ledger ARGS`` in a new process and the modules of ``off`` it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(off=off), *args],
        capture_output=True, text=True, env={**ledger.env(), **env}, timeout=120, check=False,
    )  # fmt: skip
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED:"))
    names = line.removeprefix("LOADED:")
    return done.returncode, names.split(",") if names else []


DESK = (
    (("record", "receive", "R1", "--date", "2021-03-01", "--channel", "in-person",
      "--applicant", "natural", "--name", "张三", "--phone", "13800000000"),
     (*ALWAYS_OFF, *OFF_WHEN_RECORDING)),
    (("record", "decide", "R1", "--date", "2021-03-10", "--outcome", "disclosed"),
     (*ALWAYS_OFF, *OFF_WHEN_RECORDING)),
    (("show", "R1"), ALWAYS_OFF),
)  # fmt: skip


def test_desk_commands_do_not_import_sqlalchemy(tmp_path: Path) -> None:
    """Recording a receipt, a decision and showing a request load none of them."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    for args, off in DESK:
        code, heavy = _loaded(ledger, *args, off=off)
        assert code == 0, args
        assert heavy == [], (args, heavy)


def test_without_a_configuration_file_the_model_is_not_built(tmp_path: Path) -> None:
    """No file (the user's folder has none): the configuration's model is not even imported."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    nowhere = str(tmp_path / "no-config")
    for args, off in DESK:
        code, heavy = _loaded(
            ledger, *args, off=(*off, *OFF_WITHOUT_A_FILE), XDG_CONFIG_HOME=nowhere
        )
        assert code == 0, args
        assert heavy == [], (args, heavy)


def test_a_refused_desk_command_does_not_import_sqlalchemy(tmp_path: Path) -> None:
    """A command refused for missing books says so without loading SQLAlchemy."""
    ledger = LedgerCli(tmp_path / "none.db", "2021-03-31", init=False)
    code, heavy = _loaded(ledger, "show", "R1")
    assert code != 0
    assert heavy == []
