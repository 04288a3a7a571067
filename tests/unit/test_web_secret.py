"""The key that signs the web sessions: from the environment, else a private file."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ledger.config import Config, WebSettings
from ledger.db import open_database
from ledger.events.migrate import upgrade
from ledger.web.security import SECRET_ENV, Throttle, session_secret


def test_the_key_file_is_made_once_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start writes a random key (mode 0600); later starts read the same key."""
    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = tmp_path / "web-secret"
    config = Config(web=WebSettings(secret_file=str(path)))
    first = session_secret(config)
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_secret(config) == first


def test_the_environment_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LEDGER_WEB_SECRET is the key when set; no file is made."""
    monkeypatch.setenv(SECRET_ENV, "from-the-environment")
    path = tmp_path / "web-secret"
    assert session_secret(Config(web=WebSettings(secret_file=str(path)))) == "from-the-environment"
    assert not path.exists()


def test_the_throttle_counts_per_name_and_address_within_the_window(tmp_path: Path) -> None:
    """Three failures make the pair wait until the first one leaves the window; another
    address or name is not held; a success clears the count."""
    db = open_database(f"sqlite:///{tmp_path / 'throttle.db'}")
    upgrade(db)
    throttle = Throttle(db, 3, 60)
    start = datetime(2021, 6, 30, 9, 0, 0)

    def at(seconds: int) -> datetime:
        return start + timedelta(seconds=seconds)

    for moment in (0, 1, 2):
        assert throttle.wait("Li", "10.0.0.1", now=at(moment)) == 0
        throttle.failed("Li", "10.0.0.1", now=at(moment))
    assert throttle.wait("li", "10.0.0.1", now=at(3)) == 58
    assert throttle.wait("li", "10.0.0.2", now=at(3)) == 0
    assert throttle.wait("wang", "10.0.0.1", now=at(3)) == 0
    assert throttle.wait("li", "10.0.0.1", now=at(61)) == 0
    throttle.failed("li", "10.0.0.1", now=at(61))
    assert db.scalar("SELECT count(*) FROM login_failures") == 2  # those of 0 and 1 s forgotten
    throttle.succeeded("li", "10.0.0.1")
    assert throttle.wait("li", "10.0.0.1", now=at(62)) == 0
    assert db.scalar("SELECT count(*) FROM login_failures") == 0
    db.close()
