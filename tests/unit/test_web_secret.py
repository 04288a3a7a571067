"""The key that signs the web sessions: from the environment, else a private file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ledger.config import Config, WebSettings
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


def test_the_throttle_counts_per_name_and_address_within_the_window() -> None:
    """Three failures make the pair wait until the first one leaves the window; another
    address or name is not held; a success clears the count."""
    throttle = Throttle(3, 60)
    for moment in (0, 1, 2):
        assert throttle.wait("Li", "10.0.0.1", now=moment) == 0
        throttle.failed("Li", "10.0.0.1", now=moment)
    assert throttle.wait("li", "10.0.0.1", now=3) == 58
    assert throttle.wait("li", "10.0.0.2", now=3) == 0
    assert throttle.wait("wang", "10.0.0.1", now=3) == 0
    assert throttle.wait("li", "10.0.0.1", now=61) == 0
    throttle.failed("li", "10.0.0.1", now=61)
    throttle.succeeded("li", "10.0.0.1")
    assert throttle.wait("li", "10.0.0.1", now=62) == 0
