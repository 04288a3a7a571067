"""The keyed hash chain: a secret kept outside the database, and where the log starts using it.

Without a key, whoever holds the database alone can recompute every hash (SHA-256) after a
forged or altered event. With ``LEDGER_CHAIN_KEY`` set, the hashes from a ``log.keyed``
event on are HMAC-SHA256 under that key, so a forger needs the key too. The marker records
the key's *fingerprint* (never the key), so that a log written before the key existed still
verifies without it, a verifier without the key can say exactly which part it could not
check, and a wrong key is named as such (docs/reliability.md, "Keyed chain").

The marker's own hash is keyed and covers the hash before it, so the key protects the
whole history up to the marker as well.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from ledger.errors import InvalidInput, RuleViolation
from ledger.events.types import Event, register

KEY_ENV: Final = "LEDGER_CHAIN_KEY"
MIN_KEY_LENGTH: Final = 32
"""Characters of key at least: 64 hex digits (``openssl rand -hex 32``) is the advice."""
KEYED_STREAM: Final = "log-keyed"
"""The stream of the one marker: appended with NO_STREAM, so a log is keyed only once."""


class ChainKeyed(Event):
    """From this event on (itself included), every hash is HMAC-SHA256 under the key whose
    fingerprint is recorded here."""

    type = "log.keyed"
    fingerprint: str


register(ChainKeyed)
MARKER: Final = ChainKeyed.type


@dataclass(frozen=True, slots=True)
class ChainKey:
    """The secret of the keyed chain (kept out of repr, logs and the database)."""

    secret: bytes = field(repr=False)

    @property
    def fingerprint(self) -> str:
        """What the log records to name the key: an HMAC of a fixed text, not the key."""
        digest = hmac.new(self.secret, b"ledger chain key fingerprint", hashlib.sha256)
        return digest.hexdigest()[:16]


def key_from_env(environ: Mapping[str, str] = os.environ) -> ChainKey | None:
    """The key in ``LEDGER_CHAIN_KEY``, None if unset; a too short key is refused."""
    text = environ.get(KEY_ENV, "").strip()
    if not text:
        return None
    if len(text) < MIN_KEY_LENGTH:
        raise InvalidInput(
            f"{KEY_ENV}: {len(text)} characters; allowed: at least {MIN_KEY_LENGTH} "
            "(e.g. 64 hex digits from `openssl rand -hex 32`)"
        )
    return ChainKey(text.encode("utf-8"))


def appending_key(
    marker: tuple[int, str] | None, key: ChainKey | None, starts: bool
) -> bytes | None:
    """The secret new events are hashed with, or None for plain SHA-256.

    ``marker`` is the log's ``log.keyed`` event (position, fingerprint), if any; ``starts``
    says the append itself holds the marker. A keyed log refuses an append without its
    key or with another key: either would break the chain for good.
    """
    if marker is None:
        if not starts:
            return None
        if key is None:
            raise InvalidInput(f"{KEY_ENV} is not set; a keyed chain needs the key")
        return key.secret
    position, recorded = marker
    if starts:
        raise RuleViolation(f"the hash chain is already keyed (log.keyed at position {position})")
    if key is None:
        raise RuleViolation(
            f"the hash chain is keyed from position {position}; set {KEY_ENV} to record"
        )
    if not hmac.compare_digest(key.fingerprint, recorded):
        raise RuleViolation(
            f"{KEY_ENV} is not the key the chain is keyed with (fingerprint "
            f"{key.fingerprint}, recorded at position {position}: {recorded})"
        )
    return key.secret
