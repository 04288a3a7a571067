"""What a desk command leaves out of its start-up is still all there when it is needed.

Start-up is mostly imports, so the desk path imports only what it uses
(``tests/e2e/test_desk_imports.py``). These tests hold the shortcuts to what they stand
for: the keys read without the configuration's model have the model's defaults, the
``record`` group lists the annual records it loads lazily, and every event type is
known to the store though its module was not imported.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click

import ledger.events
from ledger.bootstrap import bootstrap, desk_keys
from ledger.cli.annual import RECORD_COMMANDS
from ledger.cli.record import ANNUAL_COMMANDS, record
from ledger.config import Config, parse_config
from ledger.configfile import DeskKeys
from ledger.events.types import EVENT_MODULES


def test_the_keys_read_without_a_file_are_the_models_defaults() -> None:
    """No file: the desk's keys are what ``Config()`` would have given."""
    assert DeskKeys() == desk_keys(Config())


def test_with_a_file_the_keys_come_from_the_checked_file(tmp_path: Path) -> None:
    """A file's values reach the desk, and the app's configuration is the checked file."""
    path = tmp_path / "ledger.toml"
    path.write_text('agency = "x"\nbackdate_days = 7\nlock_timeout = 2.5\n', encoding="utf-8")
    app = bootstrap(f"sqlite:///{tmp_path / 'b.db'}", str(path))
    try:
        assert app.keys == DeskKeys(None, "x", 7, 2.5)
        assert app.config == parse_config({"agency": "x", "backdate_days": 7, "lock_timeout": 2.5})
    finally:
        app.close()


def test_without_a_file_the_app_builds_the_defaults_when_asked(tmp_path: Path) -> None:
    """``App.config`` without a file is ``Config()``, built on first use."""
    app = bootstrap(f"sqlite:///{tmp_path / 'b.db'}", None)
    try:
        assert app.checked is None or app.checked == Config()  # a user's own file may exist
        assert app.config == (app.checked or Config())
    finally:
        app.close()


def test_the_record_group_lists_exactly_the_annual_commands_it_loads() -> None:
    """The names the group knows before loading are the commands the module defines."""
    assert sorted(ANNUAL_COMMANDS) == sorted(c.name or "" for c in RECORD_COMMANDS)
    ctx = click.Context(record)
    for name in ANNUAL_COMMANDS:
        assert record.get_command(ctx, name) in RECORD_COMMANDS


def _modules_that_register() -> set[str]:
    """The modules under ledger/events whose source calls ``register(...)``."""
    found = set()
    for path in Path(ledger.events.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "register"
            ):
                found.add(path.stem)
    return found


def test_every_module_of_event_types_is_listed() -> None:
    """A module that registers types and is missing from EVENT_MODULES could go unread."""
    assert _modules_that_register() == set(EVENT_MODULES)


PROBE = """
import sys
from ledger.events.types import event_class, upcast
assert "ledger.events.annual" not in sys.modules
print(event_class("annual.figures-recorded").__module__, upcast("case.filed", 1, {}) == {})
"""


def test_a_type_whose_module_was_not_imported_is_found() -> None:
    """In a new process, looking up an annual type loads its module first."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["ledger.events.annual", "True"]


EXIT_PROBE = """
import atexit, gc, sys
calls = []
freeze = gc.freeze
gc.freeze = lambda: calls.append(1) or freeze()  # counts the freezes the CLI registered
atexit.register(lambda: print("at exit:", len(calls), gc.get_freeze_count() > 0))  # runs last
from ledger.cli import skip_the_last_collection
skip_the_last_collection()
skip_the_last_collection()
print("before exit:", len(calls), gc.get_freeze_count() > 0)
"""


def test_the_heap_is_frozen_once_as_the_process_exits() -> None:
    """Registered once however often it is asked; nothing is frozen before the exit."""
    done = subprocess.run(
        [sys.executable, "-c", EXIT_PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines() == ["before exit: 0 False", "at exit: 1 True"]
