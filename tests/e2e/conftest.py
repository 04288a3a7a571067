"""Running ``ledger`` as a person does: a real subprocess, or click's runner for speed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import cli

Run = Callable[..., subprocess.CompletedProcess[str]]
Invoke = Callable[..., Result]


@pytest.fixture
def ledger(tmp_path: Path) -> Run:
    """Run the installed ``ledger`` entry point in a subprocess with a private database."""
    env = {**os.environ, "LEDGER_DB": f"sqlite:///{tmp_path / 'desk.db'}", "HOME": str(tmp_path)}
    env.pop("LEDGER_CONFIG", None)

    def run(
        *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from ledger.cli import main; main()", *args],
            capture_output=True,
            text=True,
            env={**env, **(extra_env or {})},
            timeout=120,
            check=False,
        )

    return run


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Invoke the CLI in-process (click's runner) against a private SQLite file."""
    monkeypatch.setenv("LEDGER_DB", f"sqlite:///{tmp_path / 'desk.db'}")
    monkeypatch.delenv("LEDGER_CONFIG", raising=False)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run
