"""Finding and reading the configuration file, without checking it.

Kept apart from the typed model (``ledger.config``) so that a command run without a
file never imports the model, its pydantic schemas or the notifier tables it refers
to: a desk command's start-up is mostly imports. Where there is a file, the command
checks all of it with the model before it does anything (``bootstrap``), so a bad key
is refused exactly as before.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

from ledger.db import DEFAULT_LOCK_TIMEOUT
from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.limits import BACKDATE_DAYS

DEFAULT_AGENCY = "default"

DEFAULT_WITHIN = 3
"""Working days of warning before a deadline: ``[scheduler] within`` unless the file sets
it, and ``ledger alerts --within``'s default (``ledger.projections.alerts``)."""


class DeskKeys(NamedTuple):
    """The keys every command reads as it starts, with the model's defaults (``Config``).

    Without a file these are all a command needs; the model, with everything else, is
    built only when a command asks for it (``App.config``). The defaults are the same
    constants the model's keys default to (a unit test holds them equal).
    """

    db: str | None = None
    agency: str | None = None
    backdate_days: int = BACKDATE_DAYS
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT


def config_path(option: str | None) -> Path | None:
    """The file to read: the option, else LEDGER_CONFIG, else the user's file if it exists."""
    chosen = option or os.environ.get("LEDGER_CONFIG")
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_config_dir  # only when no file is named

    default = Path(user_config_dir("ledger", appauthor=False)) / "ledger.toml"
    return default if default.exists() else None


def configured_language(option: str | None) -> str | None:
    """The file's ``lang`` as written, read before the rest is checked (None if unreadable).

    The language is needed before anything is printed, help included; the whole file is
    checked, and a bad ``lang`` refused, when the command loads it.
    """
    path = config_path(option)
    if path is None:
        return None
    try:
        lang = tomllib.loads(path.read_text(encoding="utf-8")).get("lang")
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    return lang if isinstance(lang, str) else None


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's TOML as data, or a one-line refusal naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(_("--config: {path} does not exist").format(path=path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            _("--config: {path} is not valid TOML: {exc}").format(path=path, exc=exc)
        ) from None
