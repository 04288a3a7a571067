"""Build the notifiers from the config file's ``[[notifiers]]`` tables.

Every refusal is one ``InvalidInput`` line naming the notifier, the key and what is
allowed, so the nightly job fails on the first run after a bad edit, not silently.
Secrets are never read from the file itself: the file names environment variables
(``password_env``, ``secret_env``, ``url_env``) and the values come from there.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Callable, Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any, cast

from ledger.errors import InvalidInput
from ledger.notifiers._core import Notifier
from ledger.notifiers._email import EmailNotifier
from ledger.notifiers._log import LogNotifier
from ledger.notifiers._webhook import ChatMsgtype, WebhookFormat, WebhookNotifier
from ledger.redact import redact_text

__all__ = ["build_notifiers"]

_EMAIL_KEYS = frozenset(
    {
        "type",
        "name",
        "host",
        "port",
        "starttls",
        "ssl",
        "user",
        "password_env",
        "plaintext_auth",
        "sender",
        "to",
        "timeout",
        "cafile",
    }
)
_WEBHOOK_KEYS = frozenset(
    {"type", "name", "url", "url_env", "format", "msgtype", "secret_env", "timeout"}
)
_INLINE_SECRETS = {"password": "password_env", "secret": "secret_env"}
_NAME = re.compile(r"^\w[\w.-]{0,63}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FORMATS = ("json", "wecom", "dingtalk")
_MSGTYPES = ("text", "markdown")


class _Table:
    """One ``[[notifiers]]`` table, read key by key with a precise refusal for each."""

    def __init__(self, data: Mapping[str, Any], label: str, environ: Mapping[str, str]) -> None:
        self.data = data
        self.label = label
        self.environ = environ

    def refuse(self, key: str, problem: str) -> InvalidInput:
        """The one-line error for this table's ``key``."""
        return InvalidInput(f"notifier {self.label}: {key}: {problem}")

    def check_keys(self, allowed: frozenset[str]) -> None:
        """Refuse unknown keys (a typo like ``starttsl`` must not be ignored)."""
        for key in self.data:
            if key in _INLINE_SECRETS:
                raise self.refuse(
                    key,
                    "secrets are not read from the config file; "
                    f"set {_INLINE_SECRETS[key]} to the name of an environment variable",
                )
            if key not in allowed:
                raise self.refuse(key, f"unknown key; allowed: {', '.join(sorted(allowed))}")

    def text(self, key: str, *, required: bool = False) -> str | None:
        """A non-empty string, or None when absent and not required."""
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.refuse(key, "missing; it is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.refuse(key, f"{value!r} is not allowed; use a non-empty string")
        return value.strip()

    def flag(self, key: str, default: bool) -> bool:
        """A TOML boolean (``true``/``false``, not a string)."""
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.refuse(key, f"{value!r} is not allowed; use true or false")
        return value

    def number(self, key: str, default: float, low: int, high: int) -> float:
        """A number within [low, high], e.g. a timeout in seconds."""
        return float(self._ranged(key, default, low, high, (int, float), "a number"))

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        """A whole number within [low, high], e.g. a port."""
        return int(self._ranged(key, default, low, high, (int,), "a whole number"))

    def _ranged(
        self, key: str, default: float, low: int, high: int, types: tuple[type, ...], what: str
    ) -> float:
        """The value if it is of ``types`` and within range (a boolean is not a number)."""
        value = self.data.get(key, default)
        number = value if isinstance(value, types) and not isinstance(value, bool) else None
        if not isinstance(number, int | float) or not low <= number <= high:
            raise self.refuse(key, f"{value!r} is not allowed; use {what} from {low} to {high}")
        return number

    def choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        """One of a fixed set of words."""
        value = self.data.get(key, default)
        if value not in allowed:
            raise self.refuse(key, f"{value!r} is not allowed; use one of {', '.join(allowed)}")
        return cast(str, value)

    def from_env(self, key: str) -> str | None:
        """The value of the environment variable named by ``key``, if the key is set."""
        variable = self.text(key)
        if variable is None:
            return None
        if not _ENV_NAME.match(variable):
            raise self.refuse(key, f"{variable!r} is not an environment variable name")
        value = self.environ.get(variable, "")
        if not value:
            raise self.refuse(key, f"environment variable {variable} is not set or empty")
        return value


def _label(table: Mapping[str, Any], index: int) -> str:
    """How errors name a table: its name if it has a usable one, else its position."""
    name = table.get("name")
    return repr(name) if isinstance(name, str) and name else f"#{index + 1}"


def _name(table: _Table, seen: set[str]) -> str:
    """The notifier's stable name: required, word characters, unique, not ``log``."""
    name = table.text("name", required=True)
    assert name is not None  # required=True
    if not _NAME.match(name):
        raise table.refuse("name", f"{name!r} is not allowed; use letters, digits, '.', '-', '_'")
    if name == "log" or name in seen:
        raise table.refuse("name", f"{name!r} is already taken; each notifier needs its own name")
    seen.add(name)
    return name


def _address(table: _Table, key: str, value: object) -> str:
    """An email address (display names allowed), without line breaks."""
    if (
        not isinstance(value, str)
        or "@" not in parseaddr(value)[1]
        or any(char in value for char in "\r\n")
    ):
        raise table.refuse(key, f"{value!r} is not an email address")
    return value


def _recipients(table: _Table) -> tuple[str, ...]:
    """The ``to`` list: at least one address."""
    value = table.data.get("to")
    if not isinstance(value, list) or not value:
        raise table.refuse("to", 'missing or empty; use a list of addresses, e.g. ["a@b.cn"]')
    return tuple(_address(table, "to", item) for item in value)


def _credentials(table: _Table, tls: bool) -> tuple[str | None, str | None]:
    """``user`` and the password from ``password_env``: both or neither, over TLS."""
    user, password = table.text("user"), table.from_env("password_env")
    if (user is None) != (password is None):
        raise table.refuse("user", "user and password_env go together; set both or neither")
    if user is not None and not tls and not table.flag("plaintext_auth", False):
        raise table.refuse(
            "user",
            "logging in without TLS sends the password in clear; set starttls = true or "
            "ssl = true (or plaintext_auth = true for a trusted local relay)",
        )
    return user, password


def _cafile(table: _Table) -> str | None:
    """An extra CA bundle, checked now rather than at the first send."""
    cafile = table.text("cafile")
    if cafile is not None and not Path(cafile).is_file():
        raise table.refuse("cafile", f"{cafile!r} is not a file")
    return cafile


def _email(table: _Table, name: str) -> EmailNotifier:
    """An ``EmailNotifier`` from its table."""
    table.check_keys(_EMAIL_KEYS)
    ssl, starttls = table.flag("ssl", False), table.flag("starttls", False)
    if ssl and starttls:
        raise table.refuse("starttls", "not allowed together with ssl = true; choose one")
    user, password = _credentials(table, ssl or starttls)
    default_port = 465 if ssl else 587 if starttls else 25
    return EmailNotifier(
        name=name,
        host=cast(str, table.text("host", required=True)),
        port=table.integer("port", default_port, 1, 65535),
        sender=_address(table, "sender", table.text("sender", required=True)),
        to=_recipients(table),
        starttls=starttls,
        ssl=ssl,
        user=user,
        password=password,
        timeout=table.number("timeout", 30, 1, 600),
        cafile=_cafile(table),
    )


def _check_url(table: _Table, key: str, url: str) -> str:
    """An http(s) URL with a host; shown redacted, since the URL may be the secret."""
    try:
        parts = urllib.parse.urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        valid = valid and (parts.port is None or parts.port > 0)
    except ValueError:
        valid = False
    if not valid or any(char.isspace() or ord(char) < 32 for char in url):
        raise table.refuse(key, f"{redact_text(url)!r} is not allowed; use an http(s) URL")
    return url


def _webhook_url(table: _Table) -> str:
    """Exactly one of ``url`` and ``url_env``."""
    if ("url" in table.data) == ("url_env" in table.data):
        raise table.refuse("url", "set exactly one of url and url_env")
    if "url" in table.data:
        return _check_url(table, "url", cast(str, table.text("url", required=True)))
    return _check_url(table, "url_env", cast(str, table.from_env("url_env")))


def _webhook(table: _Table, name: str) -> WebhookNotifier:
    """A ``WebhookNotifier`` from its table."""
    table.check_keys(_WEBHOOK_KEYS)
    url = _webhook_url(table)
    fmt = cast(WebhookFormat, table.choice("format", "json", _FORMATS))
    if fmt == "json" and "msgtype" in table.data:
        raise table.refuse("msgtype", "only applies to format wecom or dingtalk")
    if fmt != "dingtalk" and "secret_env" in table.data:
        raise table.refuse("secret_env", "only applies to format dingtalk (signed robots)")
    return WebhookNotifier(
        name=name,
        url=url,
        format=fmt,
        msgtype=cast(ChatMsgtype, table.choice("msgtype", "text", _MSGTYPES)),
        secret=table.from_env("secret_env"),
        timeout=table.number("timeout", 10, 1, 600),
    )


_BUILDERS: dict[str, Callable[[_Table, str], Notifier]] = {"email": _email, "webhook": _webhook}


def build_notifiers(
    config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> list[Notifier]:
    """The notifiers a config asks for, the always-on ``LogNotifier`` first.

    ``config`` is the whole parsed config file; its ``notifiers`` key holds the
    ``[[notifiers]]`` tables. ``environ`` (default ``os.environ``) supplies the secrets
    the tables name. Raises ``InvalidInput`` for the first problem found.
    """
    tables = config.get("notifiers", [])
    if not isinstance(tables, list) or not all(isinstance(t, Mapping) for t in tables):
        raise InvalidInput("notifiers: use [[notifiers]] tables, one per notifier")
    env = os.environ if environ is None else environ
    notifiers: list[Notifier] = [LogNotifier()]
    seen: set[str] = set()
    for index, data in enumerate(tables):
        table = _Table(data, _label(data, index), env)
        kind = data.get("type")
        if kind == "log":
            raise table.refuse("type", "the log notifier is always on; remove this table")
        if not isinstance(kind, str) or kind not in _BUILDERS:
            raise table.refuse("type", f"{kind!r} is not allowed; use email or webhook")
        notifiers.append(_BUILDERS[kind](table, _name(table, seen)))
    return notifiers
