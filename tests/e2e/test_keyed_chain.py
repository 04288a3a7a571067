"""The keyed hash chain: a forger who holds the database but not the key is caught.

An unkeyed log is keyed from a recorded position on (``ledger verify --start-keyed-chain``
with ``LEDGER_CHAIN_KEY`` set): from the ``log.keyed`` marker on, every hash is an
HMAC-SHA256 under the key. The tampering is done as a database administrator can, with
the triggers dropped (helpers shared with ``test_tamper_evidence``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.bootstrap import bootstrap
from ledger.errors import RuleViolation
from tests.e2e.cli_runner import LedgerCli
from tests.e2e.test_tamper_evidence import Row, _hash, _note, _rehash, _rewrite, _rows

KEY = "k" * 16 + "0123456789abcdef0123456789abcdef"
OTHER_KEY = "x" * 48


def _forge_append(rows: list[Row]) -> list[Row]:
    """One event appended with a correctly computed *unkeyed* hash: all a keyless forger can."""
    last = rows[-1]
    forged = {**last, "position": last["position"] + 1, "version": last["version"] + 1,
              "data": {**last["data"], "text": "forged"}}  # fmt: skip
    forged["hash"] = _hash(last["hash"], forged)
    return [*rows, forged]


def _keyed_log(db_url: str, ledger: LedgerCli, monkeypatch: pytest.MonkeyPatch) -> list[Row]:
    """Three unkeyed events, the marker at 4, three keyed events at 5–7; the rows as stored."""
    app = bootstrap(db_url)
    try:
        for i in range(3):
            _note(app, "request-1", f"before {i}")
    finally:
        app.close()
    monkeypatch.setenv("LEDGER_CHAIN_KEY", KEY)
    started = ledger("--db", db_url, "verify", "--start-keyed-chain")
    assert started.code == 0, started.err
    assert "keyed from position 4 on" in started.out
    app = bootstrap(db_url)
    try:
        for i in range(3):
            _note(app, "request-1", f"after {i}")
        return _rows(app)
    finally:
        app.close()


def _verify(
    ledger: LedgerCli, db_url: str, key: str | None, mp: pytest.MonkeyPatch
) -> tuple[int, str]:
    """``ledger verify`` with ``key`` in LEDGER_CHAIN_KEY (None: unset): exit status, stderr."""
    if key is None:
        mp.delenv("LEDGER_CHAIN_KEY", raising=False)
    else:
        mp.setenv("LEDGER_CHAIN_KEY", key)
    ran = ledger("--db", db_url, "verify")
    return ran.code, ran.err.strip()


def test_a_forged_append_with_a_correct_unkeyed_hash_is_caught_with_the_key(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the key: intact passes, the forgery is named; without it: exit 5 in one line;
    a wrong key is named at the marker."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    rows = _keyed_log(db_url, ledger, monkeypatch)
    assert [r["position"] for r in rows] == list(range(1, 8))
    assert _verify(ledger, db_url, KEY, monkeypatch)[0] == 0
    code, err = _verify(ledger, db_url, OTHER_KEY, monkeypatch)
    assert code == 4, err
    assert "position 4: wrong key" in err
    monkeypatch.delenv("LEDGER_CHAIN_KEY")
    unchecked = ledger("--db", db_url, "verify")
    assert unchecked.code == 5, unchecked.err
    assert "intact" not in unchecked.out
    assert unchecked.err.strip().endswith(
        "3 events verified; the chain is keyed from position 4 on and LEDGER_CHAIN_KEY is "
        "not set: the events from there were not checked"
    )

    app = bootstrap(db_url)
    try:
        _rewrite(app, _forge_append(rows))
    finally:
        app.close()
    code, err = _verify(ledger, db_url, KEY, monkeypatch)
    assert code == 4, err
    assert "position 8: forged: the hash was computed without the chain key" in err
    code, err = _verify(ledger, db_url, None, monkeypatch)
    assert code == 5, err
    assert "keyed from position 4 on" in err
    assert len(err.splitlines()) == 1


def test_removing_the_marker_and_rehashing_without_the_key_is_caught(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forger who drops ``log.keyed`` and recomputes the rest unkeyed makes a chain that
    verifies without the key — and fails with it: the key says the log must be keyed."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    rows = _keyed_log(db_url, ledger, monkeypatch)
    app = bootstrap(db_url)
    try:
        _rewrite(app, _rehash([r for r in rows if r["type"] != "log.keyed"]))
    finally:
        app.close()
    assert _verify(ledger, db_url, None, monkeypatch)[0] == 0
    code, err = _verify(ledger, db_url, KEY, monkeypatch)
    assert code == 4, err
    assert "the chain has no keyed part" in err


def test_a_keyed_log_refuses_appends_without_its_key(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk without the key, or with another, cannot append to a keyed log (it would break
    the chain for good); an unkeyed log still verifies and records without any key."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    _keyed_log(db_url, ledger, monkeypatch)
    for key in (None, OTHER_KEY):
        if key is None:
            monkeypatch.delenv("LEDGER_CHAIN_KEY")
        else:
            monkeypatch.setenv("LEDGER_CHAIN_KEY", key)
        app = bootstrap(db_url)
        try:
            with pytest.raises(RuleViolation, match="keyed"):
                _note(app, "request-1", "refused")
            assert app.store.last_position() == 7
        finally:
            app.close()
    monkeypatch.setenv("LEDGER_CHAIN_KEY", KEY)
    again = ledger("--db", db_url, "verify", "--start-keyed-chain")
    assert again.code == 1, again.err
    assert "already keyed" in again.err


def test_a_keyed_log_is_backed_up_and_restored_with_its_key_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup of a keyed log restores with the key (the keyed part checked first); without
    it the restore is refused in one line (exit 5) and writes nothing."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    source = f"sqlite:///{tmp_path / 'source.db'}"
    _keyed_log(source, ledger, monkeypatch)
    copy = tmp_path / "copy.db"
    assert ledger("--db", source, "backup", str(copy)).code == 0
    monkeypatch.delenv("LEDGER_CHAIN_KEY")
    refused = ledger("--db", str(tmp_path / "a.db"), "restore", str(copy))
    assert refused.code == 5, refused.err
    assert "keyed from position 4 on" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    in_chinese = ledger("--lang", "zh", "--db", str(tmp_path / "a.db"), "restore", str(copy))
    assert in_chinese.code == 5, in_chinese.err
    assert "哈希链自位置 4 起加了密钥；请将 LEDGER_CHAIN_KEY 设为该密钥后再恢复" in in_chinese.err
    monkeypatch.setenv("LEDGER_CHAIN_KEY", KEY)
    restored = ledger("--db", str(tmp_path / "b.db"), "restore", str(copy))
    assert restored.code == 0, restored.err
    assert _verify(ledger, f"sqlite:///{tmp_path / 'b.db'}", KEY, monkeypatch)[0] == 0
