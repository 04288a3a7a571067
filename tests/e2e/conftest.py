"""Running ``ledger`` as a real process, for the tests that want the whole path.

The in-process runner most tests use is ``tests.e2e.cli_runner.LedgerCli``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.cli_runner import history_config, person_env, run_process

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def ledger(tmp_path: Path) -> Run:
    """Run the installed ``ledger`` entry point in a subprocess with a private database."""
    env = person_env({"LEDGER_DB": f"sqlite:///{tmp_path / 'desk.db'}", "HOME": str(tmp_path)})
    history_config(tmp_path)
    made = run_process(("init",), env)
    assert made.returncode == 0, made.stderr

    def run(
        *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``ledger ARGS``; ``extra_env`` adds what one step needs (a pinned LEDGER_TODAY)."""
        return run_process(args, {**env, **(extra_env or {})})

    return run
