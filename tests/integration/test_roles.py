"""The PostgreSQL roles of docs/deployment.md, granted as written there, each do exactly their part."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.e2e.cli_runner import LedgerCli, Ran

pytestmark = pytest.mark.postgres
DOC = Path(__file__).parents[2] / "docs" / "deployment.md"
ROLES = ("ledger_desk", "ledger_report", "ledger_scheduler")


class RoleCli(LedgerCli):
    """The ``ledger`` command connected to a PostgreSQL database as one role."""

    def __init__(self, url: str, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        super().__init__(home / "unused.db", "2021-03-31", init=False)
        self.url = url

    def env(self, today: str | None = None) -> dict[str, str]:
        return {**super().env(today), "LEDGER_DB": self.url}


def grants_of_the_doc() -> list[str]:
    """The statements of the doc's "as the owner" SQL block, one per line."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Make the schema, then grant", 1)[1]
    block = re.search(r"```sql\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/deployment.md lost its grants"
    return [line.rstrip(";") for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture
def clis(pg_url: str, tmp_path: Path) -> Iterator[dict[str, RoleCli]]:
    """The owner's books (``ledger init``), and the three roles granted as the doc says."""
    suffix = uuid.uuid4().hex[:8]
    names = {role: f"{role}_{suffix}" for role in ROLES}
    parts = urlsplit(pg_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    owner = RoleCli(pg_url, tmp_path / "owner")
    owner.ok("init")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f"CREATE ROLE {name} LOGIN")
        for written in grants_of_the_doc():
            statement = written
            for role, name in names.items():
                statement = re.sub(rf"\b{role}\b", name, statement)
            conn.execute(statement)
    found = {"ledger_owner": owner}
    for role, name in names.items():
        url = urlunsplit(parts._replace(netloc=f"{name}@{host}"))
        found[role] = RoleCli(url, tmp_path / role)
    yield found
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f"DROP OWNED BY {name}")
            conn.execute(f"DROP ROLE {name}")


def refused(url: str, statement: str) -> str:
    """The error PostgreSQL gives ``statement`` run as the role of ``url``."""
    with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
    return str(caught.value)


def receive(cli: LedgerCli, request_id: str) -> Ran:
    return cli("record", "receive", request_id, "--date", "2021-03-01", "--channel",
               "in-person", "--applicant", "natural", "--name", "张三",
               "--phone", "13800000000")  # fmt: skip


def test_the_desk_records_shows_and_erases_but_cannot_change_the_log(
    clis: dict[str, RoleCli],
) -> None:
    """The desk role records, shows and erases; UPDATE, DELETE, TRUNCATE and DROP TRIGGER fail."""
    desk = clis["ledger_desk"]
    assert receive(desk, "R1").code == 0
    assert "R1" in desk("show", "R1").out
    assert "张三" in desk("applicant", "show", "R1").out
    assert desk("applicant", "erase", "R1", "--basis", "withdrawn consent", "--yes").code == 0
    assert desk("verify").code == 0
    for statement in (
        "UPDATE events SET actor = 'mallory'",
        "DELETE FROM events",
        "TRUNCATE events",
        "DELETE FROM applicants",
    ):
        assert "permission denied" in refused(desk.url, statement)
    assert "must be owner" in refused(desk.url, "DROP TRIGGER events_no_change ON events")


def test_the_reporting_role_reads_and_cannot_append(clis: dict[str, RoleCli]) -> None:
    """The reporting role runs the report and verify; its append is refused in one line."""
    assert receive(clis["ledger_desk"], "R1").code == 0
    report = clis["ledger_report"]
    assert report("report", "2021").code == 0
    assert report("verify").code == 0
    line = receive(report, "R2").refusal()
    assert "permission denied" in line
    assert "张三" not in line
    assert "permission denied" in refused(report.url, "SELECT name FROM applicants")
    assert "must be owner" in refused(report.url, "DROP TRIGGER events_no_change ON events")


def test_the_scheduler_reminds_and_only_the_owner_drops_triggers(
    clis: dict[str, RoleCli],
) -> None:
    """The scheduler's role runs the reminders; it and every other role but the owner
    cannot drop the log's triggers, which the owner can."""
    assert receive(clis["ledger_desk"], "R1").code == 0
    scheduler = clis["ledger_scheduler"]
    reminded = scheduler("remind", today="2021-03-20")
    assert reminded.code == 0, reminded.err
    assert "permission denied" in refused(scheduler.url, "DELETE FROM events")
    assert "must be owner" in refused(scheduler.url, "DROP TRIGGER events_no_change ON events")
    with psycopg.connect(clis["ledger_owner"].url, autocommit=True) as owner:
        owner.execute("BEGIN")
        owner.execute("DROP TRIGGER events_no_change ON events")  # the owner can ...
        owner.execute("ROLLBACK")  # ... which is why nobody works as the owner


def test_the_desk_role_counts_failed_sign_ins_for_every_server(clis: dict[str, RoleCli]) -> None:
    """``ledger serve`` as the desk role keeps the failed sign-ins in ``login_failures``
    (shared by every server process); the reporting role may not read them."""
    from ledger.db import open_database
    from ledger.web.security import Throttle

    db = open_database(clis["ledger_desk"].url)
    try:
        throttle = Throttle(db, 2, 60)
        throttle.failed("li", "10.0.0.1")
        throttle.failed("li", "10.0.0.1")
        assert throttle.wait("li", "10.0.0.1") > 0
        throttle.succeeded("li", "10.0.0.1")
        assert throttle.wait("li", "10.0.0.1") == 0
    finally:
        db.close()
    assert "permission denied" in refused(clis["ledger_report"].url, "SELECT * FROM login_failures")
