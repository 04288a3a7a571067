"""The ``[[notifiers]]`` tables of the configuration file, and the notifiers built from them.

The tables are checked when the configuration file is loaded (``ledger.config``), so a bad
edit is refused on the next command, not at 2 a.m. Secrets are never read from the file:
it names environment variables (``password_env``, ``secret_env``, ``url_env``) and
:func:`build_notifiers` reads their values, when a command is about to send.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.notifiers._core import ChatMsgtype, Notifier, WebhookFormat
from ledger.redact import redact_text
from ledger.settings import KeyProblem, Settings, key

if TYPE_CHECKING:  # the transports (smtplib, ssl, http.client) load when notifiers are built
    from ledger.notifiers._email import EmailNotifier
    from ledger.notifiers._webhook import WebhookNotifier

__all__ = [
    "EmailSettings",
    "NotifierSettings",
    "WebhookSettings",
    "build_notifiers",
    "check_notifier_tables",
    "check_unique_names",
]

_INLINE_SECRETS = {"password": "password_env", "secret": "secret_env"}
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_NAME = re.compile(r"\w[\w.-]{0,63}")
r"""A notifier's name. Checked in Python rather than as a pydantic ``pattern``: the Rust
regex engine takes ~60 ms to compile a Unicode ``\w`` repeated 63 times, paid by every
command that reads the configuration."""


def _notifier_name(value: str) -> str:
    """A name of 1–64 letters, digits, '.', '-' or '_', starting with a letter or digit."""
    if not _NAME.fullmatch(value):
        raise ValueError("not a notifier name")
    return value


def _address(value: str) -> str:
    """An email address (display names allowed), without line breaks.

    The e-mail package is imported here, when a file has an address to check, not by
    every command that reads the configuration.
    """
    from email.utils import parseaddr

    if "@" not in parseaddr(value)[1] or any(char in value for char in "\r\n"):
        raise ValueError("not an email address")
    return value


def _existing_file(value: str) -> str:
    """A file that exists now, rather than a failure at the first send."""
    if not Path(value).is_file():
        raise ValueError("not a file")
    return value


def _http_url(value: str, shown_as: str = "url") -> str:
    """An http(s) URL with a host; shown redacted, since the URL may be the secret."""
    try:
        parts = urllib.parse.urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        valid = valid and (parts.port is None or parts.port > 0)
    except ValueError:
        valid = False
    if not valid or any(char.isspace() or ord(char) < 32 for char in value):
        raise KeyProblem((shown_as,), f"{redact_text(value)!r} is not allowed; use an http(s) URL")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
EnvName = Annotated[str, StringConstraints(pattern=_ENV_NAME)]
Address = Annotated[str, AfterValidator(_address)]
Timeout = Annotated[float, Field(ge=1, le=600)]


class _Notifier(Settings):
    """What every configured notifier has: a stable name."""

    name: Annotated[Text, AfterValidator(_notifier_name)] = key(
        description='The notifier\'s name; ledger records "sent via NAME", so keep it once in use.',
        allowed="letters, digits, '.', '-', '_' (up to 64); unique; not log",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secrets(cls, data: Any) -> Any:
        """A password written into the file is refused, and not repeated in the error."""
        for secret, variable in _INLINE_SECRETS.items():
            if isinstance(data, dict) and secret in data:
                raise KeyProblem(
                    (secret,),
                    "secrets are not read from the config file; "
                    f"set {variable} to the name of an environment variable",
                )
        return data


class EmailSettings(_Notifier):
    """``type = "email"``: one plain-text UTF-8 email per run, through an SMTP server."""

    type: Literal["email"] = key(description="The kind of notifier.", allowed="email")
    host: Text = key(description="The SMTP server.", allowed="a host name or address")
    port: int | None = key(
        None,
        description="The SMTP port (default 465 with ssl, 587 with starttls, else 25).",
        allowed="a whole number from 1 to 65535",
        ge=1,
        le=65535,
    )
    ssl: bool = key(False, description="TLS from the first byte (SMTPS).", allowed="true or false")
    starttls: bool = key(
        False,
        description="Upgrade to TLS before logging in; not with ssl.",
        allowed="true or false",
    )
    cafile: Annotated[Text, AfterValidator(_existing_file)] | None = key(
        None,
        description="A PEM file of extra CAs, for a server with an internal CA (default: none).",
        allowed="the path of an existing file",
    )
    user: Text | None = key(
        None, description="Login name; needs TLS and password_env.", allowed="a non-empty string"
    )
    password_env: EnvName | None = key(
        None,
        description="Name of the environment variable holding the password; needs user.",
        allowed="an environment variable name, e.g. LEDGER_SMTP_PASSWORD",
    )
    plaintext_auth: bool = key(
        False,
        description="Allow logging in without TLS (a relay on the same host only).",
        allowed="true or false",
    )
    sender: Address = key(
        description='The From address, e.g. "ledger <ledger@example.gov.cn>".',
        allowed="an email address",
    )
    to: list[Address] = key(
        description="The recipients.",
        allowed='a list of one or more email addresses, e.g. ["a@b.cn"]',
        min_length=1,
    )
    timeout: Timeout = key(
        30, description="Seconds per network operation.", allowed="a number from 1 to 600"
    )

    @model_validator(mode="after")
    def _tls_and_login(self) -> EmailSettings:
        """One TLS mode; user and password together; no password in clear unless allowed."""
        if self.ssl and self.starttls:
            raise KeyProblem(("starttls",), "not allowed together with ssl = true; choose one")
        if (self.user is None) != (self.password_env is None):
            raise KeyProblem(("user",), "user and password_env go together; set both or neither")
        if self.user is not None and not (self.ssl or self.starttls or self.plaintext_auth):
            raise KeyProblem(
                ("user",),
                "logging in without TLS sends the password in clear; set starttls = true or "
                "ssl = true (or plaintext_auth = true for a trusted local relay)",
            )
        return self


class WebhookSettings(_Notifier):
    """``type = "webhook"``: JSON posted to a URL (plain, WeCom or DingTalk group robot)."""

    type: Literal["webhook"] = key(description="The kind of notifier.", allowed="webhook")
    url: Text | None = key(
        None,
        description="The URL to post to (or url_env; exactly one of the two).",
        allowed="an http(s) URL",
    )
    url_env: EnvName | None = key(
        None,
        description="Name of the environment variable holding the URL (robot URLs are secrets).",
        allowed="an environment variable name",
    )
    format: WebhookFormat = key(
        "json",
        description=(
            "json: a plain document; wecom: a WeCom (企业微信) group robot; "
            "dingtalk: a DingTalk (钉钉) group robot."
        ),
        allowed="one of json, wecom, dingtalk",
    )
    msgtype: ChatMsgtype | None = key(
        None,
        description="The chat message type (default text); wecom and dingtalk only.",
        allowed="one of text, markdown",
    )
    secret_env: EnvName | None = key(
        None,
        description="Name of the environment variable holding a DingTalk robot's signing secret.",
        allowed="an environment variable name",
    )
    timeout: Timeout = key(10, description="Seconds per request.", allowed="a number from 1 to 600")

    @model_validator(mode="after")
    def _one_url_and_fitting_options(self) -> WebhookSettings:
        """Exactly one of url and url_env; msgtype and secret_env only where they apply."""
        if (self.url is None) == (self.url_env is None):
            raise KeyProblem(("url",), "set exactly one of url and url_env")
        if self.url is not None:
            _http_url(self.url)
        if self.format == "json" and self.msgtype is not None:
            raise KeyProblem(("msgtype",), "only applies to format wecom or dingtalk")
        if self.format != "dingtalk" and self.secret_env is not None:
            raise KeyProblem(("secret_env",), "only applies to format dingtalk (signed robots)")
        return self


NotifierSettings = Annotated[EmailSettings | WebhookSettings, Field(discriminator="type")]


def check_notifier_tables(value: Any) -> Any:
    """Before the tables are read: a list of tables, and no table for the built-in log."""
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ValueError("use [[notifiers]] tables, one per notifier")
    for index, table in enumerate(value):
        if table.get("type") == "log":
            raise KeyProblem((index, "type"), "the log notifier is always on; remove this table")
    return value


def check_unique_names(value: Sequence[EmailSettings | WebhookSettings]) -> Any:
    """Each notifier its own name, and not ``log``: "sent via NAME" must say which."""
    seen = {"log"}
    for index, table in enumerate(value):
        if table.name in seen:
            raise KeyProblem(
                (index, "name"),
                f"{table.name!r} is already taken; each notifier needs its own name",
            )
        seen.add(table.name)
    return value


def _from_env(environ: Mapping[str, str], where: str, variable: str | None) -> str | None:
    """The value of the environment variable a table names, if it names one."""
    if variable is None:
        return None
    value = environ.get(variable, "")
    if not value:
        raise InvalidInput(
            _("{where}: environment variable {variable} is not set or empty").format(
                where=where, variable=variable
            )
        )
    return value


def _email(table: EmailSettings, environ: Mapping[str, str]) -> EmailNotifier:
    """An ``EmailNotifier`` from its checked table and the environment."""
    from ledger.notifiers._email import EmailNotifier

    where = f"notifiers.{table.name}.password_env"
    default_port = 465 if table.ssl else 587 if table.starttls else 25
    return EmailNotifier(
        name=table.name,
        host=table.host,
        port=table.port or default_port,
        sender=table.sender,
        to=tuple(table.to),
        starttls=table.starttls,
        ssl=table.ssl,
        user=table.user,
        password=_from_env(environ, where, table.password_env),
        timeout=float(table.timeout),
        cafile=table.cafile,
    )


def _webhook(table: WebhookSettings, environ: Mapping[str, str]) -> WebhookNotifier:
    """A ``WebhookNotifier`` from its checked table and the environment."""
    from ledger.notifiers._webhook import WebhookNotifier

    where = f"notifiers.{table.name}"
    url = table.url or _from_env(environ, f"{where}.url_env", table.url_env) or ""
    try:
        _http_url(url)
    except KeyProblem as problem:
        raise InvalidInput(
            _("{where}.url_env: {problem}").format(where=where, problem=problem.problem)
        ) from None
    return WebhookNotifier(
        name=table.name,
        url=url,
        format=table.format,
        msgtype=table.msgtype or "text",
        secret=_from_env(environ, f"{where}.secret_env", table.secret_env),
        timeout=float(table.timeout),
    )


def build_notifiers(
    tables: Sequence[EmailSettings | WebhookSettings], environ: Mapping[str, str] | None = None
) -> list[Notifier]:
    """The notifiers of the checked ``[[notifiers]]`` tables, the always-on log first.

    ``environ`` (default ``os.environ``) supplies the secrets the tables name; a named
    variable that is unset is refused in one line naming the notifier and the key.
    """
    from ledger.notifiers._log import LogNotifier

    env = os.environ if environ is None else environ
    notifiers: list[Notifier] = [LogNotifier()]
    for table in tables:
        if isinstance(table, EmailSettings):
            notifiers.append(_email(table, env))
        else:
            notifiers.append(_webhook(table, env))
    return notifiers
