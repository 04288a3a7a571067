"""Notifiers against real servers on loopback: aiosmtpd for mail, http.server for webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import ReturnLogger, capture_logs

from ledger.config import parse_config
from ledger.errors import InvalidInput, LedgerError
from ledger.notifiers import (
    DeliveryFailed,
    EmailNotifier,
    LogNotifier,
    Reminder,
    WebhookNotifier,
    build_notifiers,
    message_key,
    redact_secrets,
    subject,
)
from tests.loopback import SMTP_PASSWORD, SMTP_USER, Reply, SmtpServer, WebhookServer, free_port

# The servers come from tests/integration/conftest.py; no request here may take a proxy.
pytestmark = pytest.mark.usefixtures("no_proxy")

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "tok-5b1e8c0d"
DING_SECRET = "SEC-signing-secret-123"
DING_URL = f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}"

OVERDUE = Reminder(
    kind="overdue",
    request="2024-0012",
    agency="宁波市镇海区教育局",
    date=date(2024, 5, 6),
    working_days=-3,
    message="申请 2024-0012 已逾期 3 个工作日（应于 2024-05-06 前答复），请尽快作出答复",
)
DUE_SOON = Reminder(
    kind="due-soon",
    request="2024-0020",
    agency="宁波市镇海区教育局",
    date=date(2024, 5, 10),
    working_days=2,
    message="Request 2024-0020 is due in 2 working days (2024-05-10): decide or extend",
)
REPORT = Reminder(
    kind="annual-report",
    request=None,
    agency="宁波市镇海区教育局",
    date=date(2025, 1, 31),
    working_days=5,
    message="2024 年度报告须于 2025-01-31 前公布",
)


# --- the log notifier and the message type ---------------------------------------------


def test_log_notifier_logs_each_reminder_with_its_fields() -> None:
    """The log notifier writes one "reminder" event per reminder with all its fields."""
    with capture_logs() as logs:
        LogNotifier().send([OVERDUE, REPORT])
    assert logs == [
        {
            "event": "reminder",
            "log_level": "info",
            "kind": "overdue",
            "request": "2024-0012",
            "agency": "宁波市镇海区教育局",
            "date": "2024-05-06",
            "working_days": -3,
            "message": OVERDUE.message,
            "id": "",
            "repeat": False,
        },
        {
            "event": "reminder",
            "log_level": "info",
            "kind": "annual-report",
            "request": None,
            "agency": "宁波市镇海区教育局",
            "date": "2025-01-31",
            "working_days": 5,
            "message": REPORT.message,
            "id": "",
            "repeat": False,
        },
    ]


def test_subject_names_one_reminder_or_counts_kinds() -> None:
    """A subject carries a lone reminder's message, or the count per kind for several."""
    assert subject([OVERDUE]) == f"[ledger] overdue: {OVERDUE.message}"
    assert subject([OVERDUE, DUE_SOON, OVERDUE]) == "[ledger] 3 reminders: 2 overdue, 1 due-soon"
    long = Reminder("overdue", "x", "y", date(2024, 1, 1), 1, "很长" * 200)
    assert len(subject([long])) <= 120


def test_delivery_failed_is_a_ledger_error() -> None:
    """DeliveryFailed is shown like every other LedgerError: one line, non-zero exit."""
    error = DeliveryFailed("notifier x: down", "x")
    assert isinstance(error, LedgerError)
    assert str(error) == "notifier x: down"
    assert error.delivered == ()


# --- email -----------------------------------------------------------------------------


def email_notifier(port: int, **options: Any) -> EmailNotifier:
    """An EmailNotifier for a loopback server."""
    settings: dict[str, Any] = {
        "name": "office",
        "host": "127.0.0.1",
        "port": port,
        "sender": "ledger <ledger@example.gov.cn>",
        "to": ("head@example.gov.cn", "科长 <clerk@example.gov.cn>"),
        "timeout": 5,
    }
    return EmailNotifier(**(settings | options))


def test_email_arrives_with_chinese_text_subject_and_recipients(smtp_server: SmtpServer) -> None:
    """One message per batch reaches every recipient with Chinese subject and body intact."""
    email_notifier(smtp_server.port).send([OVERDUE, DUE_SOON, REPORT])
    [received] = smtp_server.mailbox.messages
    assert received.mail_from == "ledger@example.gov.cn"
    assert received.rcpt_tos == ["head@example.gov.cn", "clerk@example.gov.cn"]
    assert not received.authenticated
    message = received.message
    assert message["Subject"] == "[ledger] 3 reminders: 1 overdue, 1 due-soon, 1 annual-report"
    assert message["To"] == "head@example.gov.cn, 科长 <clerk@example.gov.cn>"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert message.get_content_charset() == "utf-8"
    assert f"[overdue] 2024-0012 | 宁波市镇海区教育局 | 2024-05-06: {OVERDUE.message}" in body
    assert DUE_SOON.message in body
    assert "[annual-report] - | 宁波市镇海区教育局 | 2025-01-31: 2024 年度报告" in body


def test_email_single_reminder_subject_is_its_message(smtp_server: SmtpServer) -> None:
    """A lone reminder's Chinese message becomes the subject, decoded intact by the reader."""
    email_notifier(smtp_server.port).send([OVERDUE])
    [received] = smtp_server.mailbox.messages
    assert received.message["Subject"] == f"[ledger] overdue: {OVERDUE.message}"


def test_a_repeated_email_carries_the_same_ids_and_message_id(smtp_server: SmtpServer) -> None:
    """Reminders with ids travel in a header and fix the Message-ID, so a re-sent message (marked as a possible repeat) has the same one."""
    first = [replace(OVERDUE, id="a1"), replace(REPORT, id="b2")]
    again = [replace(r, repeat=True) for r in first]
    notifier = email_notifier(smtp_server.port)
    notifier.send(first)
    notifier.send(again)
    sent, resent = (received.message for received in smtp_server.mailbox.messages)
    assert sent["X-Ledger-Reminder-Ids"] == resent["X-Ledger-Reminder-Ids"] == "a1, b2"
    assert sent["Message-ID"] == resent["Message-ID"]
    assert sent["Message-ID"].endswith("@example.gov.cn>")
    assert "possibly a repeat" not in sent.get_content()
    assert resent.get_content().count("(possibly a repeat)") == 2
    other = email_notifier(smtp_server.port, name="other").compose(first)
    assert other["Message-ID"] != sent["Message-ID"]


def test_a_webhook_message_carries_its_idempotency_key_and_reminder_ids(
    web: WebhookServer,
) -> None:
    """Each POST has ``Idempotency-Key`` (from the notifier and its reminders' ids, the same
    as the e-mail's Message-ID) and ``X-Ledger-Reminder-Ids``; a re-send has the same."""
    first = [replace(OVERDUE, id="a1"), replace(REPORT, id="b2")]
    notifier = WebhookNotifier("archive", web.url("/in"))
    notifier.send(first)
    notifier.send([replace(r, repeat=True) for r in first])
    WebhookNotifier("other", web.url("/in")).send(first)
    sent, resent, other = (post.headers for post in web.posts)
    assert sent["X-Ledger-Reminder-Ids"] == resent["X-Ledger-Reminder-Ids"] == "a1, b2"
    assert sent["Idempotency-Key"] == resent["Idempotency-Key"] != other["Idempotency-Key"]
    assert message_key("archive", first) == sent["Idempotency-Key"]
    mail_key = email_notifier(1, name="archive").compose(first)["Message-ID"]
    assert mail_key.startswith(f"<{sent['Idempotency-Key']}.ledger@")


def test_email_logs_in_with_the_password_from_the_environment(smtp_server: SmtpServer) -> None:
    """A configured user logs in with the password read from the named variable."""
    config = {
        "notifiers": [
            {
                "type": "email",
                "name": "office",
                "host": "127.0.0.1",
                "port": smtp_server.port,
                "user": SMTP_USER,
                "password_env": "LEDGER_SMTP_PASSWORD",
                "plaintext_auth": True,
                "sender": "ledger@example.gov.cn",
                "to": ["head@example.gov.cn"],
            }
        ]
    }
    tables = parse_config(config).notifiers
    _, office = build_notifiers(tables, {"LEDGER_SMTP_PASSWORD": SMTP_PASSWORD})
    office.send([DUE_SOON])
    [received] = smtp_server.mailbox.messages
    assert received.authenticated
    assert received.message["Subject"] == f"[ledger] due-soon: {DUE_SOON.message}"


def test_email_wrong_password_fails_without_showing_it(smtp_server: SmtpServer) -> None:
    """A refused login raises one line that names the user but never the password."""
    notifier = email_notifier(smtp_server.port, user=SMTP_USER, password="wrong-pw-XYZ")
    with pytest.raises(DeliveryFailed) as failure:
        notifier.send([OVERDUE])
    message = str(failure.value)
    assert message.startswith("notifier office (email via 127.0.0.1:")
    assert "login as 'ledger' refused (535)" in message
    assert "wrong-pw-XYZ" not in message
    assert "\n" not in message
    assert failure.value.delivered == ()
    assert smtp_server.mailbox.messages == []


def test_email_server_down_fails_in_one_line_without_the_password() -> None:
    """A closed port raises DeliveryFailed naming the server, never the password."""
    port = free_port()
    notifier = email_notifier(port, user=SMTP_USER, password=SMTP_PASSWORD)
    with pytest.raises(DeliveryFailed) as failure:
        notifier.send([OVERDUE])
    message = str(failure.value)
    assert message.startswith(f"notifier office (email via 127.0.0.1:{port}): ")
    assert "Connection refused" in message
    assert SMTP_PASSWORD not in message
    assert "\n" not in message
    assert failure.value.__cause__ is None


def test_email_silent_server_times_out(silent_port: int) -> None:
    """A server that never greets fails after the timeout instead of hanging the job."""
    started = time.monotonic()
    with pytest.raises(DeliveryFailed, match="timed out"):
        email_notifier(silent_port, timeout=0.3).send([OVERDUE])
    assert time.monotonic() - started < 3


def test_email_refused_recipient_fails_the_batch(smtp_server: SmtpServer) -> None:
    """If the server refuses any recipient, the batch counts as not delivered."""
    notifier = email_notifier(smtp_server.port, to=("head@example.gov.cn", "nobody@example.cn"))
    with pytest.raises(DeliveryFailed, match=r"refused nobody@example\.cn; the other"):
        notifier.send([OVERDUE])


def test_empty_batch_sends_nothing(smtp_server: SmtpServer, web: WebhookServer) -> None:
    """An empty batch sends no email and posts nothing."""
    email_notifier(smtp_server.port).send([])
    WebhookNotifier("hook", web.url("/hook"), format="wecom").send([])
    assert smtp_server.mailbox.messages == []
    assert web.posts == []


def test_email_starttls_then_login(
    starttls_server: SmtpServer, tls_files: tuple[Path, Path]
) -> None:
    """STARTTLS upgrades the connection (certificate verified) before the login and mail."""
    notifier = email_notifier(
        starttls_server.port,
        starttls=True,
        user=SMTP_USER,
        password=SMTP_PASSWORD,
        cafile=str(tls_files[0]),
    )
    notifier.send([OVERDUE])
    [received] = starttls_server.mailbox.messages
    assert received.authenticated
    assert OVERDUE.message in received.message.get_content()


def test_email_starttls_refuses_an_untrusted_certificate(starttls_server: SmtpServer) -> None:
    """Without the CA in cafile the self-signed certificate is refused, not trusted blindly."""
    notifier = email_notifier(
        starttls_server.port, starttls=True, user=SMTP_USER, password=SMTP_PASSWORD
    )
    with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED"):
        notifier.send([OVERDUE])
    assert starttls_server.mailbox.messages == []


def test_email_implicit_tls(smtps_server: SmtpServer, tls_files: tuple[Path, Path]) -> None:
    """ssl = true speaks TLS from the first byte (SMTPS) and delivers."""
    notifier = email_notifier(smtps_server.port, ssl=True, cafile=str(tls_files[0]))
    notifier.send([DUE_SOON])
    [received] = smtps_server.mailbox.messages
    assert DUE_SOON.message in received.message.get_content()


def test_email_repr_hides_the_password() -> None:
    """A notifier printed in a debugger or log does not show its password."""
    notifier = email_notifier(25, user=SMTP_USER, password=SMTP_PASSWORD)
    assert SMTP_PASSWORD not in repr(notifier)


# --- webhooks --------------------------------------------------------------------------


def test_json_webhook_posts_one_document_with_iso_dates(web: WebhookServer) -> None:
    """The json format posts {"reminders": [...]} in UTF-8 with ISO dates, in one request."""
    web.default = Reply(body=b"accepted")
    WebhookNotifier("archive", web.url("/ledger/reminders")).send([OVERDUE, REPORT])
    [post] = web.posts
    assert post.path == "/ledger/reminders"
    assert post.content_type == "application/json; charset=utf-8"
    assert "宁波市镇海区教育局".encode() in post.body
    assert post.json() == {"reminders": [OVERDUE.as_dict(), REPORT.as_dict()]}
    assert post.json()["reminders"][1] == {
        "kind": "annual-report",
        "request": None,
        "agency": "宁波市镇海区教育局",
        "date": "2025-01-31",
        "working_days": 5,
        "message": "2024 年度报告须于 2025-01-31 前公布",
        "id": "",
        "repeat": False,
    }


def test_wecom_text_payload(web: WebhookServer) -> None:
    """WeCom gets {"msgtype": "text", "text": {"content": ...}}: a header, then one line each."""
    url = web.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
    WebhookNotifier("wecom-group", url, format="wecom").send([OVERDUE, DUE_SOON])
    [post] = web.posts
    assert post.query == {"key": WECOM_KEY}
    payload = post.json()
    assert payload.keys() == {"msgtype", "text"}
    assert payload["msgtype"] == "text"
    assert payload["text"]["content"].splitlines() == [
        "[ledger] 2 reminders: 1 overdue, 1 due-soon",
        f"[overdue] 2024-0012 | 宁波市镇海区教育局 | 2024-05-06: {OVERDUE.message}",
        f"[due-soon] 2024-0020 | 宁波市镇海区教育局 | 2024-05-10: {DUE_SOON.message}",
    ]


def test_wecom_markdown_payload(web: WebhookServer) -> None:
    """WeCom markdown puts a bold header and list items in markdown.content."""
    url = web.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
    WebhookNotifier("wecom-group", url, format="wecom", msgtype="markdown").send([OVERDUE])
    payload = web.posts[0].json()
    assert payload["msgtype"] == "markdown"
    content = payload["markdown"]["content"]
    assert content.startswith("**[ledger] 1 reminder: 1 overdue**\n\n- [overdue] 2024-0012 | ")


def test_dingtalk_text_payload_is_signed(web: WebhookServer) -> None:
    """DingTalk gets a text message and a timestamp+sign that verify with the secret."""
    url = web.url(f"/robot/send?access_token={DING_TOKEN}")
    notifier = WebhookNotifier("ding", url, format="dingtalk", secret=DING_SECRET)
    notifier.send([DUE_SOON])
    [post] = web.posts
    line = f"[due-soon] 2024-0020 | 宁波市镇海区教育局 | 2024-05-10: {DUE_SOON.message}"
    heading = "[ledger] 1 reminder: 1 due-soon"
    assert post.json() == {"msgtype": "text", "text": {"content": f"{heading}\n{line}"}}
    assert post.query.keys() == {"access_token", "timestamp", "sign"}
    assert post.query["access_token"] == DING_TOKEN
    timestamp = post.query["timestamp"]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000
    to_sign = f"{timestamp}\n{DING_SECRET}".encode()
    expected = hmac.new(DING_SECRET.encode(), to_sign, hashlib.sha256).digest()
    assert base64.b64decode(post.query["sign"]) == expected


def test_dingtalk_markdown_payload(web: WebhookServer) -> None:
    """DingTalk markdown has a title and the text; unsigned robots get no sign parameter."""
    url = web.url(f"/robot/send?access_token={DING_TOKEN}")
    WebhookNotifier("ding", url, format="dingtalk", msgtype="markdown").send([OVERDUE])
    [post] = web.posts
    payload = post.json()
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == "[ledger] 1 reminder: 1 overdue"
    assert OVERDUE.message in payload["markdown"]["text"]
    assert post.query == {"access_token": DING_TOKEN}


def many_reminders(count: int) -> list[Reminder]:
    """``count`` distinct overdue reminders with Chinese messages."""
    return [
        Reminder(
            kind="overdue",
            request=f"2024-{number:04d}",
            agency="宁波市镇海区教育局",
            date=date(2024, 5, 6),
            working_days=-1,
            message=f"申请 2024-{number:04d} 已逾期，请立即作出答复或登记延期审批",
        )
        for number in range(count)
    ]


def test_long_batch_is_split_into_numbered_parts_within_the_limit(web: WebhookServer) -> None:
    """A batch too long for one WeCom text is posted in numbered parts of at most 2048 bytes."""
    reminders = many_reminders(60)
    WebhookNotifier("wecom-group", web.url("/send?key=k"), format="wecom").send(reminders)
    contents = [post.json()["text"]["content"] for post in web.posts]
    assert len(contents) > 1
    assert all(len(content.encode("utf-8")) <= 2048 for content in contents)
    assert contents[0].startswith(f"[ledger] 60 reminders: 60 overdue (1/{len(contents)})")
    lines = [line for content in contents for line in content.splitlines()[1:]]
    assert lines == [
        f"[overdue] {r.request} | {r.agency} | 2024-05-06: {r.message}" for r in reminders
    ]


def test_failed_part_reports_which_reminders_were_delivered(web: WebhookServer) -> None:
    """When a later part fails, DeliveryFailed.delivered lists the earlier parts' reminders."""
    reminders = many_reminders(60)
    web.replies = [Reply(), Reply(body=b'{"errcode": 45009, "errmsg": "api freq out of limit"}')]
    notifier = WebhookNotifier("wecom-group", web.url("/send?key=k"), format="wecom")
    with pytest.raises(DeliveryFailed) as failure:
        notifier.send(reminders)
    first = web.posts[0].json()["text"]["content"].splitlines()[1:]
    delivered = failure.value.delivered
    assert len(delivered) == len(first)
    assert list(delivered) == reminders[: len(first)]
    assert f"; {len(first)} of 60 reminders were sent" in str(failure.value)
    assert len(web.posts) == 2


def test_http_500_is_a_failure(web: WebhookServer) -> None:
    """A non-2xx reply raises DeliveryFailed with the status, and nothing counts as sent."""
    web.default = Reply(status=500, body=b"oops")
    with pytest.raises(DeliveryFailed) as failure:
        WebhookNotifier("archive", web.url("/in")).send([OVERDUE])
    assert str(failure.value) == (
        f"notifier archive (json webhook to http://127.0.0.1:{web.server_address[1]}): "
        "the server replied HTTP 500 Internal Server Error; 0 of 1 reminders were sent"
    )


def test_redirect_is_a_failure(web: WebhookServer) -> None:
    """A redirect is not followed (urllib would resend a POST as a bodiless GET)."""
    web.default = Reply(status=302, body=b"", headers={"Location": web.url("/elsewhere")})
    with pytest.raises(DeliveryFailed, match="HTTP 302"):
        WebhookNotifier("archive", web.url("/in")).send([OVERDUE])
    assert [post.path for post in web.posts] == ["/in"]


@pytest.mark.parametrize("chat", ["wecom", "dingtalk"])
def test_nonzero_errcode_is_a_failure_without_the_key(web: WebhookServer, chat: str) -> None:
    """A robot's 200 reply with errcode != 0 raises, quoting errmsg but never the URL's key."""
    web.default = Reply(
        body=json.dumps(
            {
                "errcode": 93000,
                "errmsg": f"invalid webhook url, more info at https://x.qq.com/q?e=93000&key={WECOM_KEY}",
            }
        ).encode()
    )
    url = web.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
    with pytest.raises(DeliveryFailed) as failure:
        WebhookNotifier("group", url, format=chat).send([OVERDUE])  # type: ignore[arg-type]
    message = str(failure.value)
    assert "the robot replied errcode 93000: invalid webhook url" in message
    assert WECOM_KEY not in message
    assert "/cgi-bin" not in message


def test_non_json_reply_from_a_robot_is_a_failure(web: WebhookServer) -> None:
    """A robot URL answered by something else (a login page) is not taken for success."""
    web.default = Reply(body=b"<html>portal login</html>")
    with pytest.raises(DeliveryFailed, match="the reply is not JSON"):
        WebhookNotifier("group", web.url("/send?key=k"), format="wecom").send([OVERDUE])


def test_webhook_down_fails_without_the_url_key_or_secret() -> None:
    """A closed port raises one line naming only scheme, host and port of the URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/robot/send?access_token={DING_TOKEN}"
    notifier = WebhookNotifier("ding", url, format="dingtalk", secret=DING_SECRET)
    with pytest.raises(DeliveryFailed) as failure:
        notifier.send([OVERDUE])
    message = str(failure.value)
    assert message.startswith(f"notifier ding (dingtalk webhook to http://127.0.0.1:{port}): ")
    assert "Connection refused" in message
    for secret in (DING_TOKEN, DING_SECRET, "/robot", "sign="):
        assert secret not in message
    assert "\n" not in message
    assert failure.value.__cause__ is None


def test_webhook_silent_server_times_out(silent_port: int) -> None:
    """A webhook that never answers fails after the timeout."""
    notifier = WebhookNotifier("hook", f"http://127.0.0.1:{silent_port}/x?key=k", timeout=0.3)
    with pytest.raises(DeliveryFailed, match="timed out"):
        notifier.send([OVERDUE])


def test_webhook_repr_hides_url_and_secret() -> None:
    """A webhook notifier printed anywhere shows neither its URL nor its signing secret."""
    notifier = WebhookNotifier(
        "ding",
        f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}",
        format="dingtalk",
        secret=DING_SECRET,
    )
    assert DING_TOKEN not in repr(notifier)
    assert DING_SECRET not in repr(notifier)


# --- configuration ---------------------------------------------------------------------


ENVIRON = {
    "LEDGER_SMTP_PASSWORD": SMTP_PASSWORD,
    "LEDGER_WECOM_URL": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
    "LEDGER_DING_SECRET": DING_SECRET,
}
EMAIL = {
    "type": "email",
    "name": "office",
    "host": "smtp.example.gov.cn",
    "port": 587,
    "starttls": True,
    "user": "ledger",
    "password_env": "LEDGER_SMTP_PASSWORD",
    "sender": "ledger@example.gov.cn",
    "to": ["head@example.gov.cn"],
}
WECOM = {"type": "webhook", "name": "wecom-group", "url_env": "LEDGER_WECOM_URL", "format": "wecom"}


def test_build_notifiers_makes_the_log_notifier_and_the_configured_ones() -> None:
    """The log notifier always comes first; each table becomes a notifier with its name."""
    ding = {
        "type": "webhook",
        "name": "ding",
        "url": DING_URL,
        "format": "dingtalk",
        "msgtype": "markdown",
        "secret_env": "LEDGER_DING_SECRET",
        "timeout": 5,
    }
    notifiers = build_notifiers(
        parse_config({"notifiers": [EMAIL, WECOM, ding]}).notifiers, ENVIRON
    )
    assert [n.name for n in notifiers] == ["log", "office", "wecom-group", "ding"]
    log, office, wecom, signed = notifiers
    assert isinstance(log, LogNotifier)
    assert office == EmailNotifier(
        name="office",
        host="smtp.example.gov.cn",
        port=587,
        starttls=True,
        user="ledger",
        password=SMTP_PASSWORD,
        sender="ledger@example.gov.cn",
        to=("head@example.gov.cn",),
    )
    assert wecom == WebhookNotifier("wecom-group", ENVIRON["LEDGER_WECOM_URL"], format="wecom")
    assert signed == WebhookNotifier(
        "ding", DING_URL, format="dingtalk", msgtype="markdown", secret=DING_SECRET, timeout=5
    )
    assert [n.name for n in build_notifiers([], {})] == ["log"]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            EMAIL | {"password_env": "LEDGER_NOPE"},
            "notifiers.office.password_env: environment variable LEDGER_NOPE is not set or empty",
        ),
        (
            WECOM | {"url_env": "LEDGER_NOPE"},
            "notifiers.wecom-group.url_env: environment variable LEDGER_NOPE is not set or empty",
        ),
        (
            WECOM | {"url_env": "LEDGER_BAD_URL"},
            "notifiers.wecom-group.url_env: 'ftp://x.cn/a?***' is not allowed; use an http(s) URL",
        ),
    ],
)
def test_build_notifiers_refuses_a_missing_secret_in_one_line(
    table: dict[str, Any], expected: str
) -> None:
    """A secret the table names but the environment lacks is refused in one line naming the key."""
    tables = parse_config({"notifiers": [table]}).notifiers
    with pytest.raises(InvalidInput) as refusal:
        build_notifiers(tables, ENVIRON | {"LEDGER_BAD_URL": "ftp://x.cn/a?key=zzz"})
    assert str(refusal.value) == expected
    assert "zzz" not in str(refusal.value)


def test_the_documented_example_builds() -> None:
    """The TOML example in docs/notifiers.md is a valid configuration."""
    docs = Path(__file__).parents[2] / "docs" / "notifiers.md"
    example = docs.read_text(encoding="utf-8").split("```toml\n", 1)[1].split("```", 1)[0]
    environ = {
        "LEDGER_SMTP_PASSWORD": SMTP_PASSWORD,
        "LEDGER_WECOM_URL": ENVIRON["LEDGER_WECOM_URL"],
        "LEDGER_DINGTALK_URL": DING_URL,
        "LEDGER_DINGTALK_SECRET": DING_SECRET,
    }
    notifiers = build_notifiers(parse_config(tomllib.loads(example)).notifiers, environ)
    assert [n.name for n in notifiers] == ["log", "office", "wecom-group", "dingtalk-group"]


# --- redaction -------------------------------------------------------------------------


def test_redact_secrets_masks_secret_fields_and_url_queries() -> None:
    """Secret-named fields become *** (nested too) and URL query strings are masked."""
    event = {
        "event": f"posting to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
        "password": SMTP_PASSWORD,
        "smtpPassword": SMTP_PASSWORD,
        "access_token": DING_TOKEN,
        "api-key": "k1",
        "password_env": "LEDGER_SMTP_PASSWORD",
        "keyword": "visible",
        "notifier": {
            "name": "ding",
            "secret": DING_SECRET,
            "urls": [f"http://u:{SMTP_PASSWORD}@h/x"],
        },
        "error": RuntimeError(f"bad request '/robot/send?access_token={DING_TOKEN}'"),
        "count": 3,
    }
    assert redact_secrets(None, "info", event) == {
        "event": "posting to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?***",
        "password": "***",
        "smtpPassword": "***",
        "access_token": "***",
        "api-key": "***",
        "password_env": "LEDGER_SMTP_PASSWORD",
        "keyword": "visible",
        "notifier": {"name": "ding", "secret": "***", "urls": ["http://***@h/x"]},
        "error": "bad request '/robot/send?***'",
        "count": 3,
    }


def test_redact_secrets_works_as_a_structlog_processor() -> None:
    """Installed in a structlog chain, the rendered line carries no secret."""
    logger = structlog.wrap_logger(
        ReturnLogger(), processors=[redact_secrets, structlog.processors.KeyValueRenderer()]
    )
    line = logger.info("sent", url=f"https://h/send?key={WECOM_KEY}", token=DING_TOKEN)
    assert WECOM_KEY not in line
    assert DING_TOKEN not in line
    assert "url='https://h/send?***'" in line
