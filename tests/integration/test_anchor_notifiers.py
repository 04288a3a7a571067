"""The nightly run sends the log's head through the notifiers ``[scheduler] anchor_notifiers``
names, to real servers on loopback: a copy of the anchor lands outside the database."""

from __future__ import annotations

from pathlib import Path

from ledger.bootstrap import bootstrap
from tests.e2e.cli_runner import LedgerCli
from tests.e2e.test_tamper_evidence import _note
from tests.loopback import Reply, SmtpServer, WebhookServer

CONFIG = """
[scheduler]
anchor_file = "{anchors}"
anchor_notifiers = ["audit-mail", "audit-hook", "robot"]

[[notifiers]]
type = "email"
name = "audit-mail"
host = "127.0.0.1"
port = {smtp_port}
sender = "ledger <ledger@example.gov.cn>"
to = ["audit@example.gov.cn"]
timeout = 5

[[notifiers]]
type = "webhook"
name = "audit-hook"
url = "{json_url}"

[[notifiers]]
type = "webhook"
name = "robot"
format = "wecom"
url = "{robot_url}"
"""


def test_the_nightly_run_sends_the_head_to_mail_and_webhooks(
    tmp_path: Path, smtp_server: SmtpServer, web: WebhookServer
) -> None:
    """Each named notifier gets one message holding the same line as the anchor file, and
    that line proves the log with `verify --against`."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    anchors = tmp_path / "anchors.txt"
    config = tmp_path / "ledger.toml"
    config.write_text(CONFIG.format(
        anchors=anchors, smtp_port=smtp_server.port, json_url=web.url("/anchors"),
        robot_url=web.url("/robot?key=k"),
    ), encoding="utf-8")  # fmt: skip
    app = bootstrap(f"sqlite:///{ledger.db}")
    try:
        _note(app, "request-1", "first")
    finally:
        app.close()
    ran = ledger("--config", str(config), "scheduler", "--once")
    assert ran.code == 0, ran.err
    (line,) = anchors.read_text(encoding="utf-8").splitlines()
    position = int(line.split()[1].split(":")[0])  # the note, then the run's own record

    (mail,) = smtp_server.mailbox.messages
    assert mail.message["X-Ledger-Anchor"] == line
    assert mail.message["Subject"] == f"[ledger] log head at position {position}"
    assert line in mail.message.get_content()
    by_path = {post.path: post for post in web.posts}
    assert by_path["/anchors"].json()["anchor"]["line"] == line
    assert by_path["/anchors"].json()["anchor"]["position"] == position
    assert line in by_path["/robot"].json()["text"]["content"]
    assert len(web.posts) == 2

    proved = ledger("verify", "--against", line)
    assert proved.code == 0, proved.err


def test_a_failed_send_is_logged_and_the_run_goes_on(
    tmp_path: Path, smtp_server: SmtpServer, web: WebhookServer
) -> None:
    """A webhook that refuses the head: the file still has it, the run succeeds, the log
    says which notifier did not get it; an unknown notifier name is refused in one line."""
    ledger = LedgerCli(tmp_path / "desk.db", "2021-03-31")
    anchors = tmp_path / "anchors.txt"
    config = tmp_path / "ledger.toml"
    config.write_text(CONFIG.format(
        anchors=anchors, smtp_port=smtp_server.port, json_url=web.url("/anchors"),
        robot_url=web.url("/robot"),
    ), encoding="utf-8")  # fmt: skip
    web.replies.append(Reply(status=503, body=b"{}"))
    app = bootstrap(f"sqlite:///{ledger.db}")
    try:
        _note(app, "request-1", "first")
    finally:
        app.close()
    ran = ledger("--config", str(config), "--log-format", "json", "scheduler", "--once")
    assert ran.code == 0, ran.err
    assert "log head not sent" in ran.err
    assert "audit-hook" in ran.err
    assert len(anchors.read_text(encoding="utf-8").splitlines()) == 1
    assert len(smtp_server.mailbox.messages) == 1

    text = config.read_text(encoding="utf-8").replace('"robot"]', '"nobody"]')
    config.write_text(text, encoding="utf-8")
    refused = ledger("--config", str(config), "scheduler", "--once")
    assert refused.code == 2, refused.err
    assert "[scheduler] anchor_notifiers: no notifier named 'nobody'" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
