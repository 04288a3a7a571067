"""What the intake desk is refused: one line naming why, a non-zero exit, nothing written.

Every refusal runs as the CLI (in-process through ``ledger.cli.main``, which
``test_desk_harness`` shows prints what the real process prints; a few also as a real
process) against one database built once for the module. A refusal writes nothing, so
the tests can share it: each compares the log's size, head position, head hash (which
chains every event before it) and the applicants table before and after its own run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli_runner import LedgerCli

TODAY = "2021-06-30"

# Each step a desk records on an existing request, with valid options besides the date.
STEPS: dict[str, str] = {
    "clarify": "--reply-by 2021-04-30",
    "clarified": "",
    "extend": "--days 5 --approver 王主任",
    "consult": "--party 某建设公司",
    "consulted": "--party 某建设公司",
    "fee": "--amount 100",
    "paid": "",
    "defer": "--until 2021-05-31 --reason 一个月内申请200件",
    "decide": "--outcome disclosed",
    "withdraw": "",
}


def step(name: str, request_id: str, on: str) -> str:
    """The command line of one step on a request, dated ``on``."""
    return f"record {name} {request_id} --date {on} {STEPS[name]}"


def receive(request_id: str, on: str, extra: str = "") -> str:
    """The command line of an in-person receipt from a natural person."""
    return (
        f"record receive {request_id} --date {on} --channel in-person --applicant natural {extra}"
    )


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> LedgerCli:
    """One desk's database with a request in each state the refusals need."""
    cli = LedgerCli(tmp_path_factory.mktemp("refusals") / "desk.db", TODAY)
    for line in (
        # OPEN: received 2021-03-01, due 2021-03-29; the applicant's data is on file.
        receive(
            "OPEN", "2021-03-01", "--name 张三 --id-number 110101199001011234 --phone 13800000000"
        ),
        receive("EXTENDED", "2021-03-01"),
        "record extend EXTENDED --date 2021-03-02 --days 15 --approver 王主任",
        receive("OLD", "2019-03-01"),  # 2007 Regulation: 15 days, extension at most 15
        receive("DECIDED", "2021-03-01"),
        "record decide DECIDED --date 2021-03-15 --outcome disclosed",
        receive("WITHDRAWN", "2021-03-01"),
        "record withdraw WITHDRAWN --date 2021-03-05",
        receive("CONSULTING", "2021-03-01"),
        "record consult CONSULTING --date 2021-03-02 --party 某建设公司",
        # DEFER: due 2021-03-29; only the deferral test uses it, so a regression that
        # records the deferral cannot change what the other tests see.
        receive("DEFER", "2021-03-01"),
        # Registered mail posted 2021-03-01, signed for 2021-03-04: received 2021-03-04.
        "record receive MAILED --date 2021-03-01 --signed 2021-03-04 --channel mail "
        "--applicant business",
    ):
        ran = cli(line)
        assert ran.code == 0, (line, ran.err)
    return cli


def refused(desk: LedgerCli, line: str, *needles: str) -> str:
    """Run a command that must be refused; check the whole refusal contract; return the line."""
    before = desk.snapshot()
    ran = desk(line)
    after = desk.snapshot()
    assert ran.code != 0, ran.out
    assert "Traceback" not in ran.err
    assert ran.out == ""
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, lines
    for needle in needles:
        assert needle in lines[0]
    assert after == before
    return lines[0]


# --- unknown and closed requests -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STEPS))
def test_any_step_on_an_unknown_request_is_refused(desk: LedgerCli, name: str) -> None:
    """Every step on a request id that was never received is refused, naming the id."""
    line = refused(desk, step(name, "NOPE-2021-0099", "2021-03-20"))
    assert (
        line == "ledger: request NOPE-2021-0099: no such request; `ledger list` shows the requests"
    )


@pytest.mark.parametrize("name", sorted(STEPS))
def test_any_step_on_a_decided_request_is_refused(desk: LedgerCli, name: str) -> None:
    """Every step on a request that was answered is refused, saying when and how it closed."""
    refused(
        desk,
        step(name, "DECIDED", "2021-03-20"),
        f"record {name}: request DECIDED was decided (disclosed) on 2021-03-15",
        "a closed request takes no further steps",
    )


@pytest.mark.parametrize("name", sorted(STEPS))
def test_any_step_on_a_withdrawn_request_is_refused(desk: LedgerCli, name: str) -> None:
    """Every step on a withdrawn request is refused, saying when it was withdrawn."""
    refused(
        desk,
        step(name, "WITHDRAWN", "2021-03-20"),
        f"record {name}: request WITHDRAWN was withdrawn on 2021-03-05",
        "a closed request takes no further steps",
    )


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STEPS))
def test_a_step_dated_before_the_date_of_receipt_is_refused(desk: LedgerCli, name: str) -> None:
    """A step dated before the request's date of receipt is refused, naming both dates."""
    refused(
        desk,
        step(name, "OPEN", "2021-02-26"),
        f"record {name}: --date 2021-02-26 is before the date of receipt 2021-03-01",
    )


def test_a_step_before_the_art31_date_of_receipt_is_refused(desk: LedgerCli) -> None:
    """For registered mail the date of receipt is the day signed for, not the day posted (Art. 31)."""
    refused(
        desk,
        step("consult", "MAILED", "2021-03-03"),
        "--date 2021-03-03 is before the date of receipt 2021-03-04",
    )


def test_a_receipt_confirmed_before_it_was_submitted_is_refused(desk: LedgerCli) -> None:
    """An online request confirmed before the day it was submitted is refused."""
    refused(
        desk,
        "record receive NEW-1 --date 2021-03-05 --confirmed 2021-03-04 --channel online "
        "--applicant natural",
        "--confirmed 2021-03-04 is before the day submitted (2021-03-05)",
    )


@pytest.mark.parametrize("name", sorted(STEPS))
def test_a_step_dated_after_today_is_refused(desk: LedgerCli, name: str) -> None:
    """A step dated after today (LEDGER_TODAY) is refused: it is recorded when it happens."""
    refused(
        desk,
        step(name, "OPEN", "2021-07-01"),
        "--date: 2021-07-01 is after today (2021-06-30)",
    )


@pytest.mark.parametrize(
    ("dates", "option"),
    [
        ("--date 2021-07-01 --confirmed 2021-07-01", "--date"),
        ("--date 2021-06-28 --confirmed 2021-07-01", "--confirmed"),
    ],
)
def test_a_receipt_dated_after_today_is_refused(desk: LedgerCli, dates: str, option: str) -> None:
    """A receipt submitted or confirmed after today is refused, naming the option."""
    refused(
        desk,
        f"record receive NEW-2 {dates} --channel online --applicant natural",
        f"{option}: 2021-07-01 is after today (2021-06-30)",
    )


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        (receive("NEW-3", "2021-02-30"), "--date: '2021-02-30' is not a date; use YYYY-MM-DD"),
        (receive("NEW-3", "yesterday"), "--date: 'yesterday' is not a date; use YYYY-MM-DD"),
        (
            "record decide OPEN --date 2021/03/05 --outcome disclosed",
            "--date: '2021/03/05' is not a date",
        ),
        (
            "record clarify OPEN --date 2021-03-05 --reply-by 2021-13-01",
            "--reply-by: '2021-13-01' is not a date",
        ),
        (
            "record defer OPEN --date 2021-03-05 --until 31.05.2021 --reason x",
            "--until: '31.05.2021' is not a date",
        ),
    ],
    ids=["impossible-day", "word", "slashes", "month-13", "dotted"],
)
def test_a_malformed_date_is_refused(desk: LedgerCli, line: str, needle: str) -> None:
    """A date that is not YYYY-MM-DD is refused, naming the option and the value."""
    refused(desk, line, needle)


def test_an_iso_week_date_is_refused_like_any_other_non_yyyy_mm_dd(desk: LedgerCli) -> None:
    """A week date such as 2021-W10-1 is not YYYY-MM-DD and is refused like any malformed date."""
    refused(desk, receive("NEW-4", "2021-W10-1"), "--date: '2021-W10-1' is not a date")


# --- extensions ------------------------------------------------------------------------------


def test_an_extension_after_the_due_date_is_refused(desk: LedgerCli) -> None:
    """An extension granted the day after the due date (2021-03-29) is refused (Art. 33)."""
    refused(
        desk,
        "record extend OPEN --date 2021-03-30 --days 5 --approver 王主任",
        "the due date 2021-03-29 has passed on 2021-03-30",
        "(Art. 33)",
    )


@pytest.mark.parametrize(("request_id", "days"), [("OPEN", "21"), ("EXTENDED", "6")])
def test_an_extension_past_20_days_in_total_is_refused(
    desk: LedgerCli, request_id: str, days: str
) -> None:
    """Extensions adding up to more than 20 working days, at once or in steps, are refused."""
    refused(
        desk,
        f"record extend {request_id} --date 2021-03-03 --days {days} --approver 王主任",
        f"record extend: --days {days} would make 21 working days of extension; "
        "at most 20 in total (Art. 33)",
    )


def test_an_extension_past_15_days_before_2019_05_15_is_refused(desk: LedgerCli) -> None:
    """A request received before 2019-05-15 may be extended by at most 15 working days."""
    line = refused(
        desk,
        "record extend OLD --date 2019-03-05 --days 16 --approver 王主任",
        "--days 16 would make 16 working days of extension; at most 15 in total "
        "(2007 Regulation, Art. 24)",
    )
    assert "Art. 33" not in line


# --- steps that need an earlier step ---------------------------------------------------------


def test_clarified_without_an_open_clarification_is_refused(desk: LedgerCli) -> None:
    """A corrected request cannot arrive when no clarification was asked for."""
    refused(
        desk,
        step("clarified", "OPEN", "2021-03-05"),
        "record clarified: request OPEN has no open clarification",
        "`ledger record clarify` first",
    )


def test_consulted_for_a_party_never_consulted_is_refused(desk: LedgerCli) -> None:
    """An opinion from a party that was never consulted is refused, listing those that were."""
    refused(
        desk,
        "record consulted CONSULTING --date 2021-03-05 --party 某银行",
        "request CONSULTING has no open consultation with '某银行'",
        "open consultations: 某建设公司",
    )


def test_consulted_without_any_consultation_is_refused(desk: LedgerCli) -> None:
    """An opinion on a request with no consultation at all is refused."""
    refused(
        desk,
        step("consulted", "OPEN", "2021-03-05"),
        "request OPEN has no open consultation with '某建设公司'; none is open",
    )


def test_paid_without_a_fee_notice_is_refused(desk: LedgerCli) -> None:
    """A payment cannot be recorded for a request that was sent no fee notice."""
    refused(
        desk,
        step("paid", "OPEN", "2021-03-05"),
        "record paid: request OPEN has no unpaid fee notice",
        "`ledger record fee` first",
    )


# --- unknown codes ---------------------------------------------------------------------------


def test_an_unknown_outcome_is_refused(desk: LedgerCli) -> None:
    """An outcome that is neither a code nor an official label is refused, listing the codes."""
    line = refused(
        desk,
        "record decide OPEN --date 2021-03-05 --outcome maybe",
        "--outcome: 'maybe' is not an outcome; use one of disclosed",
    )
    assert "other.fee-unpaid" in line


def test_an_unknown_applicant_category_is_refused(desk: LedgerCli) -> None:
    """An applicant category that is neither a code nor its Chinese label is refused."""
    refused(
        desk,
        "record receive NEW-5 --date 2021-03-05 --channel in-person --applicant 外国人",
        "--applicant: '外国人' is not an applicant category; use one of natural (自然人)",
    )


def test_an_unknown_channel_is_refused(desk: LedgerCli) -> None:
    """An unknown --channel is refused in one line naming the option and every channel."""
    refused(
        desk,
        "record receive NEW-6 --date 2021-03-05 --channel pigeon --applicant natural",
        "--channel: 'pigeon' is not a channel; use one of in-person (当面提交), mail (",
        "fax (传真)",
    )


def test_a_channel_may_be_given_by_its_chinese_name(desk: LedgerCli) -> None:
    """--channel 挂号信 records registered mail, whose date of receipt is the day signed for."""
    ran = desk(
        "record receive NEW-9 --date 2021-03-01 --signed 2021-03-03 --channel 挂号信 "
        "--applicant 自然人"
    )
    assert ran.code == 0, ran.err
    assert "received 2021-03-03 (mail, natural)" in ran.out


def test_an_unknown_fee_method_is_refused(desk: LedgerCli) -> None:
    """An unknown fee --method is refused in one line naming the option and value."""
    refused(
        desk,
        "record fee OPEN --date 2021-03-05 --method per-bag",
        "ledger record fee: Invalid value for '--method': 'per-bag' is not one of "
        "'per-request', 'per-page'",
    )


# --- receipts --------------------------------------------------------------------------------


def test_a_second_receipt_of_an_existing_id_is_refused(desk: LedgerCli) -> None:
    """Receiving an id again is refused, and the new applicant's data is not stored either."""
    refused(
        desk,
        receive("OPEN", "2021-03-02", "--name 李四 --id-number 310101198502023456"),
        "record receive: request OPEN already exists (received 2021-03-01)",
        "choose another id",
    )


# --- Art. 35: a deferred date is a later one --------------------------------------------------


@pytest.mark.parametrize("until", ["2021-03-10", "2021-03-29"])
def test_a_deferral_not_later_than_the_statutory_due_date_is_refused(
    desk: LedgerCli, until: str
) -> None:
    """Art. 35 allows only a later due date: DEFER (due 2021-03-29) cannot move to or before it."""
    refused(
        desk,
        f"record defer DEFER --date 2021-03-05 --until {until} --reason 一个月内申请200件",
        f"record defer: --until {until} is not later than the statutory due date 2021-03-29",
        "Art. 35",
    )


# --- the same refusals in a real process -----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        (step("decide", "NOPE-2021-0099", "2021-03-20"), "no such request"),
        (receive("NEW-7", "2021-02-30"), "--date: '2021-02-30' is not a date"),
        (receive("OPEN", "2021-03-02"), "request OPEN already exists"),
        (
            "record receive NEW-8 --date 2021-03-05 --channel pigeon --applicant natural",
            "--channel: 'pigeon' is not a channel",
        ),
    ],
    ids=["unknown", "malformed-date", "second-receipt", "unknown-channel"],
)
def test_refusals_in_a_real_process(desk: LedgerCli, line: str, needle: str) -> None:
    """Run as a new process, a refusal is still one stderr line, a non-zero exit, nothing written."""
    before = desk.snapshot()
    ran = desk.process(line)
    assert ran.code != 0
    assert "Traceback" not in ran.err
    assert ran.out == ""
    assert len(ran.err.strip().splitlines()) == 1
    assert needle in ran.err
    assert desk.snapshot() == before


# --- recorded, but flagged --------------------------------------------------------------------

LATE_FLAG = "clarification notice sent 2020-03-12, after the 7th working day (2020-03-11) (Art. 30)"


@pytest.mark.parametrize(
    ("sent", "flags"),
    [("2020-03-11", []), ("2020-03-12", [LATE_FLAG])],
    ids=["7th-working-day", "8th-working-day"],
)
def test_a_late_clarification_notice_is_recorded_but_flagged(
    tmp_path: Path, sent: str, flags: list[str]
) -> None:
    """A notice after the 7th working day is recorded (exit 0) and `show` flags it late."""
    cli = LedgerCli(tmp_path / "desk.db", "2020-03-31")
    cli.ok(receive("LATE", "2020-03-02"))
    # The 7th working day after 2020-03-02: 03-03 (1), 04 (2), 05 (3), 06 (4), 09 (5),
    # 10 (6), 11 (7).
    before = cli.snapshot()
    line = cli.ok(f"record clarify LATE --date {sent} --reply-by 2020-03-26")
    assert line.startswith("LATE: clarification requested, reply by 2020-03-26; clock stopped")
    assert cli.snapshot().events == before.events + 2  # the notice and its deadline-set
    assert cli("show LATE --format json").json()["flags"] == flags
    text = cli("show LATE").out
    assert [x for x in text.splitlines() if x.startswith("flag")] == [
        f"flag      {f}" for f in flags
    ]


# --- agency codes ----------------------------------------------------------------------------

ALLOWED = "use 1–64 letters, digits, '.', '_' or '-'"


def test_an_agency_code_outside_the_id_rule_is_refused_at_registration(desk: LedgerCli) -> None:
    """`ledger agency add "bad code/x"` is refused in one line naming the allowed characters."""
    line = refused(desk, 'agency add "bad code/x" --name 某局', "'bad code/x'", ALLOWED)
    assert line.startswith("ledger: CODE:")


@pytest.mark.parametrize(
    "line",
    [
        receive("BADAGENCY", "2021-03-01", '--agency "a b/c"'),
        'record case FY-9 --date 2021-03-01 --kind review --agency "a b/c"',
        'close-year 2020 --agency "a b/c"',
    ],
)
def test_a_step_for_an_agency_code_outside_the_id_rule_is_refused(
    desk: LedgerCli, line: str
) -> None:
    """A desk step for an agency code that could not name a stream is refused, naming --agency
    and the allowed characters; nothing is written."""
    assert refused(desk, line, "--agency: 'a b/c'", ALLOWED).startswith("ledger: --agency:")
