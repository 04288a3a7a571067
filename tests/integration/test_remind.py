"""The nightly reminder run against real SMTP and HTTP servers on loopback, config from TOML."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import structlog
from click.testing import CliRunner
from structlog.testing import capture_logs

from ledger.bootstrap import App, bootstrap
from ledger.cli import cli
from ledger.events.reminders import FAILED, RUN_COMPLETED, SENT, reminder_id
from ledger.logging import configure_logging
from ledger.projections.views import all_requests
from ledger.remind import JobSettings, RunResult, remind
from ledger.scheduler import NightlyJob, last_slot
from tests.alert_history import clarify, extend, june_2024, receive
from tests.loopback import SMTP_PASSWORD, SMTP_USER, Reply, SmtpServer, WebhookServer

WECOM_KEY = "wecom-key-93f1c2-never-logged"
AS_OF = date(2024, 5, 6)
AGENCY_NAME = "宁波市镇海区教育局"

CONFIG = """
agency = "default"

[agencies.default]
name = "宁波市镇海区教育局"

[[notifiers]]
type = "email"
name = "office"
host = "127.0.0.1"
port = {smtp_port}
user = "{user}"
password_env = "LEDGER_TEST_SMTP_PASSWORD"
plaintext_auth = true
sender = "ledger <ledger@example.gov.cn>"
to = ["head@example.gov.cn"]
timeout = 5

[[notifiers]]
type = "webhook"
name = "archive"
url = "{archive_url}"
timeout = 5

[[notifiers]]
type = "webhook"
name = "group"
url_env = "LEDGER_TEST_WECOM_URL"
format = "wecom"
timeout = 5
"""


@pytest.fixture
def app(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_server: SmtpServer,
    web: WebhookServer,
    robot_server: WebhookServer,
    no_proxy: None,
) -> Iterator[App]:
    """An app on a SQLite file, configured by a TOML file naming the loopback servers."""
    path = tmp_path / "ledger.toml"
    path.write_text(
        CONFIG.format(
            smtp_port=smtp_server.port,
            user=SMTP_USER,
            archive_url=web.url("/archive"),
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("LEDGER_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv(
        "LEDGER_TEST_WECOM_URL", robot_server.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
    )
    application = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}", str(path))
    yield application
    application.close()


def two_requests(app: App) -> None:
    """As of 2024-05-06: A overdue since 04-29 (2 working days), B due 05-08 (in 2)."""
    receive(app, "A", date(2024, 4, 1))
    receive(app, "B", date(2024, 4, 8))


def events(app: App, type_name: str) -> list[dict[str, Any]]:
    return [e.data for e in app.store.read_all(types=[type_name])]


def test_reminders_arrive_by_mail_and_webhooks_with_their_content(
    app: App, smtp_server: SmtpServer, web: WebhookServer, robot_server: WebhookServer
) -> None:
    """One run delivers both alerts through every notifier, with the agency's name, and records each delivery."""
    two_requests(app)
    result = remind(app, AS_OF)
    assert [(a.kind, a.request) for a in result.alerts] == [("overdue", "A"), ("due-soon", "B")]
    assert len(result.sent) == 8
    assert not result.failed

    [received] = smtp_server.mailbox.messages
    mail = received.message
    assert mail["Subject"] == "[ledger] 2 reminders: 1 overdue, 1 due-soon"
    assert mail["To"] == "head@example.gov.cn"
    body = mail.get_content()
    assert (
        f"[overdue] A | {AGENCY_NAME} | 2024-04-29: request A was due 2024-04-29 and is "
        "undecided (2 working days late): issue the decision now (ledger record decide A)"
    ) in body
    assert f"[due-soon] B | {AGENCY_NAME} | 2024-05-08: request B is due in 2 working days" in body

    [archive] = web.posts
    assert archive.json()["reminders"] == [
        a.as_dict() | {"agency": AGENCY_NAME, "id": reminder_id(a.agency, a.request, a.kind, a.date),
                       "repeat": False}
        for a in result.alerts
    ]  # fmt: skip
    assert mail["X-Ledger-Reminder-Ids"] == ", ".join(
        reminder["id"] for reminder in archive.json()["reminders"]
    )

    [robot] = robot_server.posts
    assert robot.query == {"key": WECOM_KEY}
    content = robot.json()["text"]["content"]
    assert content.startswith("[ledger] 2 reminders: 1 overdue, 1 due-soon")
    assert "[due-soon] B" in content

    sent = events(app, SENT)
    assert sorted((e["notifier"], e["request"]) for e in sent) == sorted(
        (n, r) for n in ("log", "office", "archive", "group") for r in ("A", "B")
    )
    assert {(e["kind"], e["date"], e["agency"]) for e in sent if e["request"] == "B"} == {
        ("due-soon", "2024-05-08", "default")
    }
    assert events(app, RUN_COMPLETED) == [
        {"as_of": "2024-05-06", "alerts": 2, "sent": 8, "failed": 0, "closed": []}
    ]


def test_second_run_sends_nothing(
    app: App, smtp_server: SmtpServer, web: WebhookServer, robot_server: WebhookServer
) -> None:
    """Running again (or catching up later while nothing changed) delivers nothing twice."""
    two_requests(app)
    remind(app, AS_OF)
    again = remind(app, AS_OF)
    later = remind(app, date(2024, 5, 7))
    assert again.deliveries == ()
    assert later.deliveries == ()
    assert len(smtp_server.mailbox.messages) == 1
    assert len(web.posts) == len(robot_server.posts) == 1
    assert len(events(app, SENT)) == 8
    assert len(events(app, RUN_COMPLETED)) == 3


def test_moved_due_date_sends_one_new_reminder(
    app: App, smtp_server: SmtpServer, web: WebhookServer, robot_server: WebhookServer
) -> None:
    """After an extension moves B's due date, exactly one new reminder about B goes out per notifier."""
    two_requests(app)
    remind(app, AS_OF)
    extend(app, "B", AS_OF, 1)
    result = remind(app, AS_OF)
    assert [(d.notifier, d.alert.request, d.alert.date) for d in result.sent] == [
        (n, "B", date(2024, 5, 9)) for n in ("log", "office", "archive", "group")
    ]
    assert smtp_server.mailbox.messages[-1].message["Subject"] == (
        "[ledger] due-soon: request B is due in 3 working days (2024-05-09): decide or extend it (Art. 33)"
    )
    assert len(smtp_server.mailbox.messages) == 2
    assert [len(p.json()["reminders"]) for p in web.posts] == [2, 1]
    assert len(robot_server.posts) == 2


def test_a_notifier_down_is_recorded_failed_and_retried_next_run(
    app: App, smtp_server: SmtpServer, web: WebhookServer, robot_server: WebhookServer
) -> None:
    """While the robot answers 503 the others deliver; its failures are recorded and sent on the next run only."""
    two_requests(app)
    robot_server.default = Reply(status=503, body=b"down")
    first = remind(app, AS_OF)
    assert {d.notifier for d in first.sent} == {"log", "office", "archive"}
    assert [(d.notifier, d.alert.request) for d in first.failed] == [("group", "A"), ("group", "B")]
    failed = events(app, FAILED)
    assert [(e["notifier"], e["request"]) for e in failed] == [("group", "A"), ("group", "B")]
    port = robot_server.server_address[1]
    assert failed[0]["reason"] == (
        f"notifier group (wecom webhook to http://127.0.0.1:{port}): the server replied HTTP 503 "
        "Service Unavailable; 0 of 2 reminders were sent"
    )

    robot_server.default = Reply()
    second = remind(app, AS_OF)
    assert [(d.notifier, d.alert.request) for d in second.sent] == [("group", "A"), ("group", "B")]
    assert not second.failed
    assert len(smtp_server.mailbox.messages) == 1
    assert len(web.posts) == 1
    assert len(robot_server.posts) == 2
    assert remind(app, AS_OF).deliveries == ()


def test_secrets_never_reach_logs_events_or_results(
    app: App, robot_server: WebhookServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Neither the SMTP password nor the robot's key appears in a log line, an event or the run's result."""
    two_requests(app)
    robot_server.default = Reply(status=500, body=b"down")
    with capture_logs() as logs:
        failed = remind(app, AS_OF)
        robot_server.default = Reply()
        retried = remind(app, AS_OF)
    stored = [e.data for e in app.store.read_all()]
    for text in (repr(logs), json.dumps(stored, ensure_ascii=False), repr(failed), repr(retried)):
        assert WECOM_KEY not in text
        assert SMTP_PASSWORD not in text
    assert any(entry["event"] == "delivery failed" for entry in logs)

    try:
        configure_logging("json")
        structlog.get_logger("t").warning(
            "posting",
            url=f"https://qyapi.weixin.qq.com/send?key={WECOM_KEY}",
            smtp={"password": SMTP_PASSWORD},
        )
    finally:
        structlog.reset_defaults()
    line = capsys.readouterr().err
    assert "https://qyapi.weixin.qq.com/send?***" in line
    assert WECOM_KEY not in line
    assert SMTP_PASSWORD not in line


def test_dry_run_sends_and_records_nothing(
    app: App, smtp_server: SmtpServer, web: WebhookServer
) -> None:
    """A dry run lists what each notifier would get and touches neither servers nor log."""
    two_requests(app)
    before = app.store.last_position()
    result = remind(app, AS_OF, dry_run=True)
    assert len(result.deliveries) == 8
    assert app.store.last_position() == before
    assert smtp_server.mailbox.messages == []
    assert web.posts == []


# -- closures, the scheduler's run guard -------------------------------------------------


@pytest.fixture
def plain_app(tmp_path: Path) -> Iterator[App]:
    """An app with only the log notifier, built from a TOML file with the closures on."""
    path = tmp_path / "ledger.toml"
    path.write_text("[scheduler]\nclose_lapsed = true\nclose_year = true\n", encoding="utf-8")
    application = bootstrap(f"sqlite:///{tmp_path / 'plain.db'}", str(path))
    yield application
    application.close()


def test_closures_are_recorded_by_the_scheduler_when_enabled(plain_app: App) -> None:
    """With close_lapsed and close_year on, the run closes lapsed requests and the ended year, as actor scheduler."""
    receive(plain_app, "old", date(2023, 12, 20))
    june_2024(plain_app)
    dry = remind(plain_app, date(2024, 6, 14), dry_run=True)
    result = remind(plain_app, date(2024, 6, 14))
    assert (
        result.closed
        == dry.closed
        == (
            "year 2023 of default closed",
            "request fee closed as other.fee-unpaid",
            "request reply closed as other.no-clarification",
        )
    )
    states = {s.id: s for s in all_requests(plain_app.store, timeline=True)}
    assert states["fee"].outcome == "other.fee-unpaid"
    assert states["reply"].outcome == "other.no-clarification"
    assert states["reply"].timeline[-1].actor == "scheduler"
    assert states["old"].carried_out_of == [2023]
    closed = list(plain_app.store.read_all(types=["year.closed"]))
    assert [(e.data["year"], e.actor) for e in closed] == [(2023, "scheduler")]
    kinds = {a.kind for a in result.alerts}
    assert not kinds & {"fee-unpaid", "no-clarification", "year-not-closed"}
    assert "annual-report" in kinds


def test_closures_are_off_by_default(tmp_path: Path) -> None:
    """Without the settings, a lapsed clarification is only reminded about, never closed."""
    app = bootstrap(f"sqlite:///{tmp_path / 'off.db'}", None)
    receive(app, "r", date(2024, 5, 6))
    clarify(app, "r", date(2024, 5, 8), date(2024, 5, 20))
    result = remind(app, date(2024, 6, 14))
    assert result.closed == ()
    assert [a.kind for a in result.alerts] == ["no-clarification"]
    app.close()


def test_scheduled_run_happens_once_per_slot(
    plain_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheduled run (or the catch-up on start) runs when no run is recorded since the slot, and skips after."""
    monkeypatch.setenv("LEDGER_TODAY", "2024-06-14")
    job = NightlyJob(plain_app)
    first = job.run_scheduled()
    assert isinstance(first, RunResult)
    with capture_logs() as logs:
        assert job.run_scheduled() is None
    assert logs[0]["event"] == "run skipped: already done"


def test_last_slot_is_the_latest_scheduled_time_in_shanghai() -> None:
    """02:00 in Asia/Shanghai is 18:00 UTC the day before; a moment just before it belongs to the previous slot."""
    at = JobSettings().time
    assert last_slot(datetime(2024, 5, 6, 18, 0), at) == datetime(2024, 5, 6, 18, 0)
    assert last_slot(datetime(2024, 5, 6, 17, 59), at) == datetime(2024, 5, 5, 18, 0)
    assert last_slot(datetime(2024, 5, 7, 3, 0), at) == datetime(2024, 5, 6, 18, 0)


@pytest.mark.postgres
def test_a_held_advisory_lock_makes_the_run_skip(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a scheduler that cannot take the advisory lock logs and skips; once free, it runs and lets go."""
    from ledger.scheduler import lock_key

    monkeypatch.setenv("LEDGER_TODAY", "2024-05-06")
    app = bootstrap(pg_url, None)
    two_requests(app)
    other = sa.create_engine(app.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with other.connect() as conn:
            key = lock_key("default")
            assert conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar()
            with capture_logs() as logs:
                assert NightlyJob(app).run() is None
            assert logs[0]["event"] == "run skipped: another scheduler holds the lock"
            assert events(app, SENT) == []
            conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
        assert isinstance(NightlyJob(app).run(), RunResult)
        assert len(events(app, SENT)) == 2
        with other.connect() as conn:
            held = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            assert held.scalar() == 0
    finally:
        other.dispose()
        app.close()


def test_remind_command_reports_per_notifier_and_fails_while_a_delivery_failed(
    tmp_path: Path, web: WebhookServer, no_proxy: None
) -> None:
    """`ledger remind` prints one line per notifier, exits 1 while a delivery failed, and 0 once retried."""
    config = tmp_path / "ledger.toml"
    config.write_text(
        f'[[notifiers]]\ntype = "webhook"\nname = "hook"\nurl = "{web.url("/in")}"\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    app = bootstrap(db)
    two_requests(app)
    app.close()
    args = ["--db", db, "--config", str(config), "remind", "--as-of", "2024-05-06"]
    runner = CliRunner()
    web.default = Reply(status=502, body=b"down")
    failed = runner.invoke(cli, args)
    assert failed.exit_code == 1
    assert failed.stdout.splitlines() == [
        "as of 2024-05-06: 2 alerts",
        "  sent 2 via log",
        f"  failed 2 via hook (retried next run): notifier hook (json webhook to "
        f"http://127.0.0.1:{web.server_address[1]}): the server replied HTTP 502 "
        "Bad Gateway; 0 of 2 reminders were sent",
    ]
    web.default = Reply()
    retried = runner.invoke(cli, args)
    assert retried.exit_code == 0
    assert retried.stdout.splitlines() == ["as of 2024-05-06: 2 alerts", "  sent 2 via hook"]
    once = runner.invoke(cli, ["--db", db, "--config", str(config), "scheduler", "--once"])
    assert once.exit_code == 0
    assert "remind finished" in once.output
