"""docs/configuration.md, generated from the configuration model (``ledger.config``).

Every key's meaning and allowed values are declared once, on the model; this module only
lays them out, with a short introduction and an example file. Regenerate after changing
the model (a test fails until the committed document matches)::

    python -m ledger.config_doc > docs/configuration.md
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from ledger.config import AgencySettings, Config, JobSettings, NoticeSettings, WebSettings
from ledger.notifiers import EmailSettings, WebhookSettings
from ledger.settings import allowed_text

__all__ = ["EXAMPLE", "SECTIONS", "render"]

INTRO = """\
# Configuration file

ledger reads one small TOML file: the one given with `--config`, else the one named by
`$LEDGER_CONFIG`, else `ledger.toml` in the user's configuration folder (on Linux
`~/.config/ledger/ledger.toml`) if it exists. Every key has a default, so ledger runs
without a file.

The file is checked as a whole when a command starts. A bad value or an unknown key (a
typo) is refused in one line naming the key, the value and what is allowed, and the
command does nothing:

```
ledger: --config ledger.toml: agencies.zj.level: 'city' is not allowed; use department or government
```

Secrets (SMTP passwords, robot URLs and signing secrets) are never written in the file:
a notifier names the environment variable that holds each one (`password_env`,
`url_env`, `secret_env`), read when reminders are about to be sent.

The official working-day schedule is not configured here: it is recorded in the log
with `ledger calendar add YEAR --file FILE` (see `docs/calendar-2027.example.toml` for
the file's format), so that every deadline can be recomputed from history.

This document is generated from the configuration model (`src/ledger/config.py`,
`src/ledger/notifiers/_config.py`) by `python -m ledger.config_doc`.
"""

EXAMPLE = """\
db = "postgresql://ledger@db.example.gov.cn:5432/ledger"
agency = "zhjyj"
lang = "zh"

[agencies.zhjyj]
name = "宁波市镇海区教育局"
level = "department"

[agencies.zhjyj.labels]
"一、本年新收政府信息公开申请数量" = "一、本年新收到政府信息公开申请数量"

[agencies.zhzf]
name = "宁波市镇海区人民政府"
level = "government"

[scheduler]
time = "02:00"
within = 5
close_lapsed = true
close_year = false

[[notifiers]]
type = "email"
name = "office"
host = "smtp.example.gov.cn"
starttls = true
user = "ledger"
password_env = "LEDGER_SMTP_PASSWORD"
sender = "ledger <ledger@example.gov.cn>"
to = ["head@example.gov.cn", "clerk@example.gov.cn"]

[[notifiers]]
type = "webhook"
name = "dingtalk-group"
url_env = "LEDGER_DINGTALK_URL"
format = "dingtalk"
msgtype = "markdown"
secret_env = "LEDGER_DINGTALK_SECRET"
"""

# (heading, model, what the table is): one section of the reference per table kind.
SECTIONS: tuple[tuple[str, type[BaseModel], str], ...] = (
    ("Top level", Config, "Keys outside any table."),
    ("`[agencies.CODE]`", AgencySettings, "One table per agency; CODE as on the command line."),
    ("`[scheduler]`", JobSettings, "The nightly job: `ledger scheduler` and `ledger remind`."),
    ("`[notices]`", NoticeSettings, "The letters `ledger notice` writes (docs/notices.md)."),
    ("`[web]`", WebSettings, "The web pages: `ledger serve` (docs/web.md)."),
    (
        '`[[notifiers]]` with `type = "email"`',
        EmailSettings,
        "One plain-text UTF-8 email per run, through an SMTP server (docs/notifiers.md).",
    ),
    (
        '`[[notifiers]]` with `type = "webhook"`',
        WebhookSettings,
        "JSON posted to a URL: a plain document, or a WeCom or DingTalk group robot "
        "(docs/notifiers.md).",
    ),
)


def _default(info: FieldInfo) -> str:
    """A key's default as the file would spell it; "required" when it has none."""
    value = info.default
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        return "the defaults below" if isinstance(value, BaseModel) else "none"
    if value is PydanticUndefined or value is None:
        return "required" if value is PydanticUndefined else "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    spelt = f'"{value:%H:%M}"' if isinstance(value, dt.time) else repr(value).replace("'", '"')
    return f"`{spelt}`"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _table(model: type[BaseModel]) -> Iterator[str]:
    yield "| key | default | allowed | meaning |"
    yield "|---|---|---|---|"
    for name, info in model.model_fields.items():
        cells = (_default(info), allowed_text(info), info.description or "")
        yield f"| `{name}` | " + " | ".join(_cell(c) for c in cells) + " |"


def render() -> str:
    """The whole document."""
    lines = [INTRO, "## Example", "", "```toml", EXAMPLE.rstrip("\n"), "```", "", "## Keys", ""]
    for heading, model, what in SECTIONS:
        lines += [f"### {heading}", "", what, "", *_table(model), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render())
