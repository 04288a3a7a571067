"""Keep secrets out of logs and error messages.

Notifier configuration carries credentials (an SMTP password, a DingTalk signing secret)
and webhook URLs that are themselves credentials (WeCom's ``?key=…``, DingTalk's
``?access_token=…``): whoever reads the URL can post to the group. Log files and the
nightly job's mail are read by more people than the config file, so anything that may
hold a secret is masked before it is written.

``redact_secrets`` is a structlog processor. Install it after ``format_exc_info`` (so
formatted tracebacks are scanned too) and before the renderer::

    structlog.configure(processors=[..., structlog.processors.format_exc_info,
                                    redact_secrets, structlog.processors.JSONRenderer()])
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # structlog is loaded only by a process that logs (ledger.logging)
    from structlog.typing import EventDict, WrappedLogger

__all__ = ["MASK", "is_secret_key", "redact_secrets", "redact_text"]

MASK = "***"

# Words that make a key name secret wherever they appear in it: ``password``,
# ``smtp_password``, ``accessToken``, ``api-key``. Matching whole words (not
# substrings) keeps ``keyword`` or ``author`` readable.
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "key",
        "apikey",
        "auth",
        "authorization",
        "credential",
        "signature",
        "cookie",
    }
)
_WORD_BOUNDARY = re.compile(r"[^0-9A-Za-z]+|(?<=[a-z])(?=[A-Z])")

# A query string after a path or host (``/send?key=…``, ``https://host?x=…``): the part
# of a webhook URL that holds the key. The path stays, because it tells which service.
_QUERY = re.compile(r"(/[^\s?#'\"<>]*)\?[^\s#'\"<>]+")
# ``user:password@`` in a URL.
_USERINFO = re.compile(r"(://)[^/\s@'\"<>]+@")
# ``token=…`` pairs outside a URL, e.g. in a server's error reply.
_PAIR = re.compile(
    r"(?i)\b(access_token|token|key|secret|password|passwd|sign|signature)=[^&\s'\"<>]+"
)

_MAX_DEPTH = 8


def is_secret_key(key: str) -> bool:
    """Say whether a field named ``key`` holds a secret.

    ``password_env`` and the like name an environment variable, not its value; they
    stay visible because they are what a person needs to fix a configuration.
    """
    if key.lower().endswith("_env"):
        return False
    words = (word.lower() for word in _WORD_BOUNDARY.split(key) if word)
    return any(word in _SECRET_WORDS or word.rstrip("s") in _SECRET_WORDS for word in words)


def redact_text(text: str) -> str:
    """Mask URL query strings, URL passwords and ``token=…`` pairs in free text."""
    text = _USERINFO.sub(rf"\1{MASK}@", text)
    text = _QUERY.sub(rf"\1?{MASK}", text)
    return _PAIR.sub(rf"\1={MASK}", text)


def _redact_value(value: Any, depth: int) -> Any:
    """Redact inside strings and containers; other values pass unchanged."""
    if isinstance(value, str):
        return redact_text(value)
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, BaseException):
        # Renderers print exceptions with str(); an HTTP library's message may hold a URL.
        return redact_text(str(value))
    if isinstance(value, Mapping):
        return _redact_mapping(value, depth + 1)
    if type(value) in (list, tuple, set, frozenset):  # exact types: a namedtuple differs
        return type(value)(_redact_value(item, depth + 1) for item in value)
    return value


def _redact_mapping(mapping: Mapping[Any, Any], depth: int) -> dict[Any, Any]:
    """Mask secret-named keys; redact the other values."""
    return {
        key: MASK
        if isinstance(key, str) and is_secret_key(key) and value is not None
        else _redact_value(value, depth)
        for key, value in mapping.items()
    }


def redact_secrets(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Mask secrets in a structlog event: secret-named fields and URL query strings.

    A structlog processor: values of keys such as ``password``, ``secret``, ``token`` or
    ``key`` become ``***`` (also inside nested mappings), and every string has its URL
    query strings and ``user:password@`` parts masked.
    """
    del logger, method_name  # part of the processor signature, not needed here
    return _redact_mapping(event_dict, 0)
