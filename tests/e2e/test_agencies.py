"""Which agency a desk records for: registered codes only, a default that is explicit,
and reports that combine agencies only when asked (docs/agencies.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli_runner import LedgerCli

TODAY = "2025-03-10"
RECEIVE = "record receive --date 2025-03-03 --channel in-person --applicant natural"


@pytest.fixture
def cli(tmp_path: Path) -> LedgerCli:
    """Books with one registered agency, zjj."""
    desk = LedgerCli(tmp_path / "desk.db", TODAY)
    desk.ok("agency add zjj --name 镇海区教育局")
    return desk


def refused(cli: LedgerCli, line: str) -> str:
    """A refusal: one line, non-zero, nothing written."""
    before = cli.snapshot()
    text = cli(line).refusal()
    assert cli.snapshot() == before
    return text


def test_an_unregistered_agency_is_refused_with_the_known_codes(cli: LedgerCli) -> None:
    """`--agency zjjj` (a typo) is refused, listing the registered codes; nothing is created."""
    line = refused(cli, f"{RECEIVE} --agency zjjj")
    assert line == (
        "ledger: --agency: 'zjjj' is not a registered agency; known: zjj "
        "(`ledger agency add CODE --name NAME` registers one)"
    )


def test_the_only_registered_agency_is_the_default(cli: LedgerCli) -> None:
    """With exactly one registered agency, a receipt without --agency is filed under it."""
    assert cli.ok(RECEIVE).startswith("zjj-2025-0001: received")


def test_several_agencies_without_a_default_are_refused(cli: LedgerCli) -> None:
    """With two registered agencies and no default, a step without --agency is refused."""
    cli.ok("agency add wsj --name 卫生健康局")
    line = refused(cli, RECEIVE)
    assert "several agencies are registered (wsj, zjj)" in line
    assert "ledger agency use CODE" in line


def test_agency_use_sets_the_default_and_list_marks_it(cli: LedgerCli) -> None:
    """`ledger agency use wsj` makes wsj the default; `agency list` marks it and counts."""
    cli.ok("agency add wsj --name 卫生健康局")
    assert cli.ok("agency use wsj") == "default agency: wsj"
    assert cli.ok(RECEIVE).startswith("wsj-2025-0001: received")
    rows = [line.split() for line in cli("agency list").out.splitlines()]
    assert rows[1:] == [["*", "wsj", "卫生健康局", "department", "1"],
                        ["zjj", "镇海区教育局", "department", "0"]]  # fmt: skip


def test_agency_use_of_an_unregistered_code_is_refused(cli: LedgerCli) -> None:
    """`ledger agency use nope` is refused naming the known codes; nothing is recorded."""
    assert "CODE: 'nope' is not a registered agency; known: zjj" in refused(cli, "agency use nope")


def test_an_unregistered_configured_agency_is_refused(tmp_path: Path) -> None:
    """A configuration file naming an unregistered agency is refused, naming the key."""
    cli = LedgerCli(tmp_path / "desk.db", TODAY)
    cli.ok("agency add zjj --name 镇海区教育局")
    (tmp_path / ".config" / "ledger" / "ledger.toml").write_text(
        'agency = "zjjj"\nbackdate_days = 3650\n', encoding="utf-8"
    )
    line = refused(cli, RECEIVE)
    assert line.startswith("ledger: agency (configuration): 'zjjj' is not a registered agency")


def test_report_without_agency_reports_the_default_and_all_combines(cli: LedgerCli) -> None:
    """`report` without --agency reports the default agency only; `--agency all` combines
    them under the name of the agency at government level; --check names every agency."""
    cli.ok("agency add wsj --name 卫生健康局 --level government")
    cli.ok(f"{RECEIVE} --agency zjj")
    cli.ok(f"{RECEIVE} --agency wsj")
    cli.ok("agency use zjj")
    own = cli("report", "2025", "--format", "json").json()
    assert "镇海区教育局" in str(own)
    combined = cli("report", "2025", "--agency", "all").out
    assert combined.splitlines()[0].startswith("卫生健康局")
    check = cli("report", "2025", "--agency", "all", "--check").out
    assert check.startswith("report 2025 (wsj, zjj): tables reconcile")


def test_report_of_several_agencies_without_a_default_is_refused(cli: LedgerCli) -> None:
    """With two agencies and no default, `report` asks for --agency CODE or --agency all."""
    cli.ok("agency add wsj --name 卫生健康局")
    cli.ok(f"{RECEIVE} --agency zjj")
    line = cli("report", "2025").refusal()
    assert "several agencies are registered" in line
    assert "--agency all combines them" in line
