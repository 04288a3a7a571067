"""Reminders speak the desk's language: a WeCom robot and a mailbox on loopback receive Chinese."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.i18n import set_language
from ledger.remind import remind
from tests.alert_history import receive
from tests.loopback import SmtpServer, WebhookServer

AS_OF = date(2024, 5, 6)
CONFIG = """
[agencies.default]
name = "宁波市镇海区教育局"

[[notifiers]]
type = "webhook"
name = "group"
url = "{robot_url}"
format = "wecom"
timeout = 5

[[notifiers]]
type = "email"
name = "office"
host = "127.0.0.1"
port = {smtp_port}
sender = "ledger <ledger@example.gov.cn>"
to = ["head@example.gov.cn"]
timeout = 5
"""

MakeApp = Callable[[], App]


@pytest.fixture
def books(
    tmp_path: Path, web: WebhookServer, smtp_server: SmtpServer, no_proxy: None
) -> Iterator[MakeApp]:
    """An app on a SQLite file whose reminders go to a WeCom robot and a mailbox on loopback.

    Request A (received 2024-04-01) is overdue and B (2024-04-08) due soon on 2024-05-06.
    """
    config = tmp_path / "ledger.toml"
    robot_url = web.url("/cgi-bin/webhook/send?key=k")
    config.write_text(
        CONFIG.format(robot_url=robot_url, smtp_port=smtp_server.port), encoding="utf-8"
    )
    made: list[App] = []

    def make() -> App:
        app = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}", str(config), create=True)
        made.append(app)
        receive(app, "A", date(2024, 4, 1))
        receive(app, "B", date(2024, 4, 8))
        return app

    yield make
    for app in made:
        app.close()


def test_a_wecom_reminder_is_in_chinese_by_default(
    chinese: None, books: MakeApp, web: WebhookServer, smtp_server: SmtpServer
) -> None:
    """With no language configured the robot's message and the e-mail read in Chinese."""
    remind(books(), AS_OF)
    [post] = web.posts
    assert post.json()["text"]["content"].splitlines() == [
        "[ledger] 2 条提醒：已逾期 1 条，即将到期 1 条",
        "【已逾期】A | 宁波市镇海区教育局 | 2024-04-29：申请 A 已于 2024-04-29 到期，尚未答复"
        "（已逾期 2 个工作日）：请立即答复（ledger record decide A）",
        "【即将到期】B | 宁波市镇海区教育局 | 2024-05-08：申请 B 还有 2 个工作日到期"
        "（2024-05-08）：请作出答复或延期（第三十三条）",
    ]
    [mail] = smtp_server.mailbox.messages
    assert mail.message["Subject"] == "[ledger] 2 条提醒：已逾期 1 条，即将到期 1 条"
    assert mail.message.get_content().splitlines()[-1] == (
        "-- 由 ledger 发送（通知渠道 office）；`ledger alerts` 列出全部提醒"
    )


def test_a_wecom_reminder_is_in_english_when_english_is_chosen(
    books: MakeApp, web: WebhookServer
) -> None:
    """With English chosen (as --lang en does) the same reminders read in English."""
    set_language("en")
    remind(books(), AS_OF)
    [post] = web.posts
    assert post.json()["text"]["content"].splitlines() == [
        "[ledger] 2 reminders: 1 overdue, 1 due-soon",
        "[overdue] A | 宁波市镇海区教育局 | 2024-04-29: request A was due 2024-04-29 and is "
        "undecided (2 working days late): issue the decision now (ledger record decide A)",
        "[due-soon] B | 宁波市镇海区教育局 | 2024-05-08: request B is due in 2 working days "
        "(2024-05-08): decide or extend it (Art. 33)",
    ]
