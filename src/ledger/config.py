"""The configuration file: agencies, report labels, notifiers, the nightly job.

A small TOML file (``--config``, ``LEDGER_CONFIG``, or ``ledger.toml`` in the user's
configuration directory). Everything has a default, so ledger runs without one. The file
is checked once, when it is loaded, against the typed model below: a bad value or an
unknown key is refused in one line naming the key and what is allowed, so a typo never
silently does nothing. ``docs/configuration.md`` is generated from this model
(``python -m ledger.config_doc``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, StringConstraints, ValidationError

from ledger.configfile import (
    DEFAULT_AGENCY,
    DEFAULT_WITHIN,
    config_path,
    configured_language,
    read_config_file,
)
from ledger.db import DEFAULT_LOCK_TIMEOUT, parse_url
from ledger.errors import InvalidInput
from ledger.events.fields import empty_list
from ledger.limits import BACKDATE_DAYS, TEXT_MAX, clean_text
from ledger.notifiers._config import NotifierSettings, check_notifier_tables, check_unique_names
from ledger.settings import KeyProblem, Settings, key, refusal

__all__ = [
    "DEFAULT_AGENCY",
    "AgencySettings",
    "Config",
    "JobSettings",
    "NoticeSettings",
    "WebSettings",
    "config_path",
    "configured_language",
    "load_config",
    "parse_config",
]

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _printable(value: str) -> str:
    """One line of printable text within the limit every other door applies (limits.py)."""
    try:
        return clean_text(value, "", TEXT_MAX)
    except InvalidInput as refused:
        raise KeyProblem((), refused.message.removeprefix(": ")) from None


Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_printable)
]


def _official_labels(labels: dict[str, str]) -> dict[str, str]:
    """Only labels a format prints can be reworded (a misspelt one would change nothing)."""
    from ledger.report import editions  # the report package loads only for a file with labels

    known = editions.edition("2019").labels() | editions.edition("2021").labels()
    for official in labels:
        if official not in known:
            raise KeyProblem(
                (official,),
                "not an official label; use the label exactly as the format prints it "
                "(docs/report-formats.md)",
            )
    return labels


class AgencySettings(Settings):
    """``[agencies.CODE]``: how reports and reminders name one agency (CODE as on the command line).

    Overrides what ``ledger agency add`` recorded in the log, for this installation.
    """

    name: Text = key(
        description="The agency's full name, as printed on its reports and in reminders.",
        allowed="a non-empty string, e.g. 宁波市镇海区教育局",
    )
    labels: Annotated[dict[str, str], AfterValidator(_official_labels)] = key(
        default_factory=dict,
        description="The agency's local wording of official labels: OFFICIAL = LOCAL.",
        allowed="a table of official label = local label, both strings",
    )
    level: Literal["department", "government"] | None = key(
        None,
        description=(
            "Sets the annual-report reminder's deadline (Art. 49): a department (工作部门) "
            "publishes by 31 January, a people's government (人民政府) by 31 March "
            "(default: the level recorded with `ledger agency add --level`)."
        ),
        allowed="department or government",
    )


def _hhmm(value: Any) -> Any:
    """``"02:00"`` → a time of day (a whole minute); anything else is refused."""
    if isinstance(value, dt.time) and not (value.second or value.microsecond or value.tzinfo):
        return value
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("not HH:MM")
    return dt.time(int(match.group(1)), int(match.group(2)))


def _in_folder(value: str) -> str:
    """A file path whose folder exists (checked when the file is read, not at 2 a.m.)."""
    path = Path(value).expanduser()
    if not path.parent.is_dir():
        raise KeyProblem((), f"{path.parent} is not a folder")
    if path.is_dir():
        raise KeyProblem((), f"{path} is a folder, not a file")
    return str(path)


class JobSettings(Settings):
    """``[scheduler]``: the nightly job (``ledger scheduler``, ``ledger remind``)."""

    time: Annotated[dt.time, BeforeValidator(_hhmm)] = key(
        dt.time(2, 0),
        description="When `ledger scheduler` runs the nightly work each day, Asia/Shanghai.",
        allowed="HH:MM (Asia/Shanghai), e.g. 02:00",
    )
    within: int = key(
        DEFAULT_WITHIN,
        description="Warn this many working days before a deadline (`due-soon` alerts).",
        allowed="working days from 0 to 60",
        ge=0,
        le=60,
    )
    close_lapsed: bool = key(
        False,
        description=(
            "Before reminding, close requests whose reply-by date passed (other.no-clarification) "
            "or whose fee stayed unpaid 20 working days (other.fee-unpaid)."
        ),
        allowed="true or false",
    )
    close_year: bool = key(
        False,
        description="Before reminding, close the years that have ended.",
        allowed="true or false",
    )
    agency: Text | None = key(
        None,
        description="Only this agency's alerts (default: every agency in the log).",
        allowed="an agency code",
    )
    anchor_file: Annotated[Text, AfterValidator(_in_folder)] | None = key(
        None,
        description=(
            "After each nightly run, append the log's head (the line `ledger verify --anchor` "
            "prints) to this file; keep it where the database's administrator cannot write "
            "(docs/reliability.md). The head is also logged as `log head`."
        ),
        allowed="a file path in an existing folder, e.g. /mnt/anchors/ledger-anchors.txt",
    )
    anchor_notifiers: list[Text] = key(
        default_factory=empty_list,
        description=(
            "After each nightly run, also send the log's head through these notifiers (one "
            "message each: a `json` webhook gets `{\"anchor\": {...}}`, e-mail and chat robots "
            "the line), so that a copy lands outside the database (docs/reliability.md)."
        ),
        allowed='names of [[notifiers]] tables (or "log"), e.g. ["audit-mail"]',
    )


def _folder(value: str) -> str:
    """A folder that exists (checked when the file is read, not when a letter is due)."""
    path = Path(value).expanduser()
    if not path.is_dir():
        raise KeyProblem((), f"{path} is not a folder")
    return str(path)


class NoticeSettings(Settings):
    """``[notices]``: the letters ``ledger notice`` writes (docs/notices.md)."""

    templates: Annotated[Text, AfterValidator(_folder)] | None = key(
        None,
        description=(
            "A folder of the agency's own notice templates (receipt.txt.j2, answer.txt.j2 …); "
            "a kind without a file there uses the template shipped with ledger."
        ),
        allowed="a folder path, e.g. /srv/ledger/notices",
    )


class WebSettings(Settings):
    """``[web]``: the web pages (``ledger serve``, docs/web.md)."""

    secret_file: Annotated[Text, AfterValidator(_in_folder)] | None = key(
        None,
        description=(
            "The file holding the key that signs session cookies; created (mode 0600) on "
            "first start if missing. $LEDGER_WEB_SECRET wins over it (default: web-secret "
            "in the user's data folder)."
        ),
        allowed="a file path in an existing folder, e.g. /etc/ledger/web-secret",
    )
    session_minutes: int = key(
        480,
        description="A session ends after this many minutes without a page being opened.",
        allowed="minutes from 5 to 1440",
        ge=5,
        le=1440,
    )
    secure_cookies: bool = key(
        False,
        description=(
            "Send the session cookie only over HTTPS (set it when a reverse proxy serves "
            "the pages over HTTPS, as docs/deployment.md shows)."
        ),
        allowed="true or false",
    )
    login_attempts: int = key(
        5,
        description=(
            "Failed sign-ins allowed per user name and address before they must wait "
            "`login_wait` seconds."
        ),
        allowed="attempts from 1 to 100",
        ge=1,
        le=100,
    )
    login_wait: int = key(
        300,
        description="Seconds a user name and address wait after too many failed sign-ins.",
        allowed="seconds from 1 to 86400",
        ge=1,
        le=86400,
    )


def _database(url: str) -> str:
    """A database URL ledger can open (checked now, not at the first command that needs it)."""
    try:
        parse_url(url, "db")
    except InvalidInput as refused:
        raise KeyProblem((), refused.message.removeprefix("db: ")) from None
    return url


class Config(Settings):
    """The whole file, with defaults filled in."""

    db: Annotated[Text, AfterValidator(_database)] | None = key(
        None,
        description=(
            "The database. `--db` wins over it, and it wins over $LEDGER_DB "
            "(default: a SQLite file in the user's data folder)."
        ),
        allowed="sqlite:///PATH, postgresql://USER@HOST:PORT/DB, or a file path",
    )
    lang: Literal["zh", "en"] | None = key(
        None,
        description=(
            "The language of messages and help: zh (Chinese) or en (English). "
            "`--lang` and $LEDGER_LANG win over it (default: zh). Logs stay English."
        ),
        allowed="zh or en",
    )
    agency: Text | None = key(
        None,
        description=(
            "The agency a desk records for, and `ledger report` reports, when no --agency "
            "is given; it wins over `ledger agency use`. Also the issuer of a report that "
            "combines agencies (default: the agency chosen with `ledger agency use`, else "
            "the only registered agency; docs/agencies.md)."
        ),
        allowed="a registered agency code",
    )
    backdate_days: int = key(
        BACKDATE_DAYS,
        description=(
            "A desk fact (a receipt, a decision, any step) dated more than this many days "
            "before today is recorded only with --backdated REASON, kept in the event "
            "(docs/input-limits.md)."
        ),
        allowed="days from 0 to 3650",
        ge=0,
        le=3650,
    )
    agencies: dict[str, AgencySettings] = key(
        default_factory=dict,
        description="One [agencies.CODE] table per agency to name.",
        allowed="[agencies.CODE] tables",
    )
    notifiers: Annotated[
        list[NotifierSettings],
        BeforeValidator(check_notifier_tables),
        AfterValidator(check_unique_names),
    ] = key(
        default_factory=empty_list,
        description=(
            "Where reminders go besides the log: one [[notifiers]] table each (docs/notifiers.md)."
        ),
        allowed="[[notifiers]] tables, each with type = email or webhook",
    )
    scheduler: JobSettings = key(
        default_factory=JobSettings,
        description="The nightly job.",
        allowed="a [scheduler] table",
    )
    notices: NoticeSettings = key(
        default_factory=NoticeSettings,
        description="The written notices to applicants (`ledger notice`).",
        allowed="a [notices] table",
    )
    web: WebSettings = key(
        default_factory=WebSettings,
        description="The web pages (`ledger serve`).",
        allowed="a [web] table",
    )
    lock_timeout: float = key(
        DEFAULT_LOCK_TIMEOUT,
        description=(
            "Seconds a command waits for another desk or an import to finish writing "
            'before it stops with "another desk or an import holds the books; try again".'
        ),
        allowed="seconds, more than 0 and at most 600",
        gt=0,
        le=600,
    )

    def agency_levels(self) -> dict[str, str]:
        """The agencies whose level the file sets, by code."""
        return {code: a.level for code, a in self.agencies.items() if a.level is not None}


def parse_config(raw: Mapping[str, Any], source: str = "config") -> Config:
    """Check a parsed file, refusing the first bad key in one line: ``source: key: problem``."""
    try:
        return Config.model_validate(dict(raw))
    except ValidationError as error:
        raise InvalidInput(f"{source}: {refusal(error, Config, raw)}") from None


def load_config(option: str | None = None) -> Config:
    """Read and check the configuration file."""
    path = config_path(option)
    if path is None:
        return Config()
    return parse_config(read_config_file(path), f"--config {path}")
