"""The configuration file: agencies, report labels, notifiers, the nightly job.

A small TOML file (``--config``, ``LEDGER_CONFIG``, or ``ledger.toml`` in the user's
configuration directory). Everything has a default, so ledger runs without one.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from ledger.errors import InvalidInput

DEFAULT_AGENCY = "default"


@dataclass(frozen=True)
class Agency:
    """An agency's code (used on the command line) and its names for the report."""

    code: str
    name: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """What the configuration file says, with defaults filled in."""

    path: Path | None = None
    db: str | None = None
    agency: str = DEFAULT_AGENCY
    agencies: dict[str, Agency] = field(default_factory=dict)
    notifiers: list[dict[str, Any]] = field(default_factory=list)
    scheduler: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def agency_info(self, code: str) -> Agency:
        """The agency's names; an unconfigured agency is named by its code."""
        return self.agencies.get(code) or Agency(code, code)


def config_path(option: str | None) -> Path | None:
    """The file to read: the option, else LEDGER_CONFIG, else the user's file if it exists."""
    chosen = option or os.environ.get("LEDGER_CONFIG")
    if chosen:
        return Path(chosen).expanduser()
    default = Path(user_config_dir("ledger", appauthor=False)) / "ledger.toml"
    return default if default.exists() else None


def load_config(option: str | None = None) -> Config:
    """Read and check the configuration file."""
    path = config_path(option)
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"--config: {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"--config: {path} is not valid TOML: {exc}") from None
    return _from_raw(raw, path)


def _from_raw(raw: dict[str, Any], path: Path) -> Config:
    """Build a Config, naming the first bad field."""
    agencies = {}
    for code, table in (raw.get("agencies") or {}).items():
        if not isinstance(table, dict):
            raise InvalidInput(f"--config: {path}: [agencies.{code}] must be a table")
        labels = table.get("labels") or {}
        agencies[code] = Agency(code, str(table.get("name", code)), dict(labels))
    notifiers = raw.get("notifiers") or []
    if not isinstance(notifiers, list):
        raise InvalidInput(f"--config: {path}: notifiers must be [[notifiers]] tables")
    return Config(
        path=path,
        db=raw.get("db"),
        agency=str(raw.get("agency", DEFAULT_AGENCY)),
        agencies=agencies,
        notifiers=list(notifiers),
        scheduler=dict(raw.get("scheduler") or {}),
        raw=raw,
    )
