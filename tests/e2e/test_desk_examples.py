"""The intake desk's day as a person runs it: one command, one line back with the due date.

Expected dates are counted by hand from the official 2019–2021 schedules and written
literally, with the count in a comment, so a reader can check them against a calendar.
Commands run in-process through ``ledger.cli.main`` (``test_desk_harness`` shows that
prints what the real process prints); a few run as a real process.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.e2e.cli_runner import LedgerCli

TODAY = "2021-12-31"


@pytest.fixture
def desk(tmp_path: Path) -> LedgerCli:
    """A desk with an empty database of its own; today is 2021-12-31 unless a test says so."""
    return LedgerCli(tmp_path / "desk.db", TODAY)


def receive(request_id: str, on: str, extra: str = "") -> str:
    """The command line of an in-person receipt from a natural person."""
    return (
        f"record receive {request_id} --date {on} --channel in-person --applicant natural {extra}"
    )


def explain(desk: LedgerCli, request_id: str) -> list[str]:
    """The day-by-day lines of `show --explain`."""
    text = desk(f"show {request_id} --explain").out
    return text.split("How the due date was computed:\n", 1)[1].splitlines()


# --- the statutory count across the 2020 holidays ------------------------------------------


def test_received_in_person_2020_03_02_is_due_2020_03_30(desk: LedgerCli) -> None:
    """A request received in person on 2020-03-02 is due on 2020-03-30, said in one line."""
    # 03-03..06 (1–4), 09..13 (5–9), 16..20 (10–14), 23..27 (15–19), 30 (20).
    ran = desk.process(receive("R-1", "2020-03-02"))
    assert ran.code == 0
    assert ran.notes == ""
    assert ran.out == "R-1: received 2020-03-02 (in-person, natural); due 2020-03-30\n"


def test_received_2020_01_21_is_due_2020_02_26_after_the_spring_festival(desk: LedgerCli) -> None:
    """The 2020 Spring Festival holiday (extended to 2020-02-02) pushes the due date to 02-26."""
    # 01-22 (1), 01-23 (2), 01-24..02-02 春节 off, 02-03..07 (3–7), 10..14 (8–12),
    # 17..21 (13–17), 24 (18), 25 (19), 26 (20).
    line = desk.ok(receive("R-1", "2020-01-21"))
    assert line == "R-1: received 2020-01-21 (in-person, natural); due 2020-02-26"
    lines = explain(desk, "R-1")
    assert lines[0] == "2020-01-21 Tue: received: the day of receipt is not counted (Art. 31)"
    assert "2020-01-22 Wed: day 1: working day" in lines
    assert "2020-01-24 Fri: skipped: holiday: 春节" in lines
    assert "2020-02-02 Sun: skipped: holiday: 春节" in lines
    assert "2020-02-03 Mon: day 3: working day" in lines
    assert "2020-02-08 Sat: skipped: weekend" in lines
    assert "2020-02-26 Wed: day 20: working day" in lines
    assert lines[-1].strip() == "due: 2020-02-26 (working day 20, 2019 Regulation)"


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # 04-21..24 (1–4), 04-26 Sun make-up (5), 04-27..30 (6–9), 05-01..05 劳动节 off,
        # 05-06..08 (10–12), 05-09 Sat make-up (13), 05-11..15 (14–18), 05-18 (19), 19 (20).
        ("2020-04-20", "2020-05-19"),
        # 05-01..05 off, 05-06..08 (1–3), 05-09 Sat make-up (4), 05-11..15 (5–9),
        # 18..22 (10–14), 25..29 (15–19), 06-01 (20).
        ("2020-04-30", "2020-06-01"),
    ],
)
def test_labour_day_2020_make_up_days_count_and_the_holiday_does_not(
    desk: LedgerCli, received: str, due: str
) -> None:
    """Labour Day 2020: 05-01..05-05 are off, Sunday 04-26 and Saturday 05-09 are working days."""
    line = desk.ok(receive("R-1", received))
    assert line == f"R-1: received {received} (in-person, natural); due {due}"
    lines = explain(desk, "R-1")
    assert "2020-05-01 Fri: skipped: holiday: 劳动节" in lines
    assert "2020-05-05 Tue: skipped: holiday: 劳动节" in lines
    assert any(x.startswith("2020-05-09 Sat: day ") and "make-up working day" in x for x in lines)
    if received == "2020-04-20":
        assert "2020-04-25 Sat: skipped: weekend" in lines
        assert "2020-04-26 Sun: day 5: make-up working day" in lines
        assert "2020-05-09 Sat: day 13: make-up working day" in lines


def test_a_request_across_the_year_boundary(desk: LedgerCli) -> None:
    """Received 2020-12-20, the count runs into 2021 and skips New Year's Day: due 2021-01-18."""
    # 12-21..25 (1–5), 28..31 (6–9), 2021-01-01 元旦 off, 01-04..08 (10–14),
    # 11..15 (15–19), 18 (20).
    line = desk.ok(receive("R-1", "2020-12-20"))
    assert line == "R-1: received 2020-12-20 (in-person, natural); due 2021-01-18"
    lines = explain(desk, "R-1")
    assert "2020-12-31 Thu: day 9: working day" in lines
    assert "2021-01-01 Fri: skipped: holiday: 元旦" in lines
    assert "2021-01-04 Mon: day 10: working day" in lines


def test_the_2007_regulation_applies_before_2019_05_15(desk: LedgerCli) -> None:
    """A request received 2019-03-01 has 15 working days (2007 Regulation): due 2019-03-22."""
    # 03-04..08 (1–5), 11..15 (6–10), 18..22 (11–15).
    assert desk.ok(receive("OLD", "2019-03-01")).endswith("due 2019-03-22")
    data = desk("show OLD --format json").json()
    assert (data["regime"], data["days_allowed"]) == ("2007", 15)


# --- Art. 31: the date of receipt by channel -------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "dates", "received", "due"),
    [
        ("in-person", "", "2020-03-02", "2020-03-30"),
        # Registered mail: the day signed for. 03-05..06 (1–2) … 04-01 (20).
        ("mail", "--signed 2020-03-04", "2020-03-04", "2020-04-01"),
        # Internet: the day receipt was confirmed. 03-04..06 (1–3) … 03-31 (20).
        ("online", "--confirmed 2020-03-03", "2020-03-03", "2020-03-31"),
        # Fax: confirmed 03-05. 03-06 (1), 09..13 (2–6), … 04-02 (20).
        ("fax", "--confirmed 2020-03-05", "2020-03-05", "2020-04-02"),
        # Ordinary mail: confirmed 03-06. 03-09..13 (1–5) … 04-03 (20).
        ("mail-unsigned", "--confirmed 2020-03-06", "2020-03-06", "2020-04-03"),
    ],
)
def test_the_date_of_receipt_follows_the_channel(
    desk: LedgerCli, channel: str, dates: str, received: str, due: str
) -> None:
    """Mail counts from the day signed for, online/fax/ordinary mail from the day confirmed."""
    line = desk.ok(
        f"record receive R-1 --date 2020-03-02 {dates} --channel {channel} --applicant natural"
    )
    assert line == f"R-1: received {received} ({channel}, natural); due {due}"
    data = desk("show R-1 --format json").json()
    assert (data["channel"], data["received_on"], data["due_date"]) == (channel, received, due)


# --- pauses, extensions, deferral ------------------------------------------------------------


def test_a_consultation_pauses_the_clock_until_the_opinion_arrives(desk: LedgerCli) -> None:
    """Consulting from 03-09 to 03-13 removes 03-10..03-13 (4 working days): due 2020-04-03."""
    desk.ok(receive("R-1", "2020-03-02"))  # due 2020-03-30
    # While waiting, the pause is assumed to run to its cap, the 15th working day after
    # the letter: 03-10..13 (1–4), 16..20 (5–9), 23..27 (10–14), 30 (15). Counted before:
    # 03-03..06, 09 (5); then 03-31 (6), 04-01..03 (7–9), 04-04..06 清明 off,
    # 04-07..10 (10–13), 13..17 (14–18), 20 (19), 21 (20).
    line = desk.ok("record consult R-1 --date 2020-03-09 --party 某建设公司")
    assert line == "R-1: consulting 某建设公司; due 2020-04-21"
    assert desk("show R-1 --format json").json()["status"] == "open"
    # The opinion arrives 03-13: the pause is 03-10..13; 2020-03-30 + 4 working days:
    # 03-31 (1), 04-01 (2), 04-02 (3), 04-03 (4).
    line = desk.ok("record consulted R-1 --date 2020-03-13 --party 某建设公司")
    assert line == "R-1: opinion of 某建设公司 arrived; due 2020-04-03"
    lines = explain(desk, "R-1")
    assert "2020-03-09 Mon: day 5: working day" in lines
    for day in ("2020-03-10 Tue", "2020-03-11 Wed", "2020-03-12 Thu", "2020-03-13 Fri"):
        assert f"{day}: skipped: inside pause: consultation with 某建设公司" in lines
    assert "2020-03-16 Mon: day 6: working day" in lines


def test_a_consultation_pause_is_capped_at_15_working_days(desk: LedgerCli) -> None:
    """An opinion arriving after the 15th working day (03-30) still ends the pause at 03-30."""
    desk.ok(receive("R-1", "2020-03-02"))
    desk.ok("record consult R-1 --date 2020-03-09 --party 某建设公司")
    # Opinion 04-10, after the cap 03-30: the due date stays 2020-04-21 (counted above).
    line = desk.ok("record consulted R-1 --date 2020-04-10 --party 某建设公司")
    assert line == "R-1: opinion of 某建设公司 arrived; due 2020-04-21"
    lines = explain(desk, "R-1")
    assert "2020-03-30 Mon: skipped: inside pause: consultation with 某建设公司" in lines
    assert "2020-03-31 Tue: day 6: working day" in lines


def test_an_extension_moves_the_due_date_by_its_working_days(desk: LedgerCli) -> None:
    """Extending by 5 on the due date itself moves 2020-03-30 to 2020-04-07, past Qingming."""
    desk.ok(receive("R-1", "2020-03-02"))
    # Granted on 03-30, the due date has not yet passed (each event takes effect at the
    # end of its day). 03-31 (21), 04-01 (22), 04-02 (23), 04-03 (24), 04-04..06 清明 off,
    # 04-07 (25).
    line = desk.ok("record extend R-1 --date 2020-03-30 --days 5 --approver 王主任")
    assert line == "R-1: extended by 5 working days (approved by 王主任); due 2020-04-07"
    lines = explain(desk, "R-1")
    assert "days 21–25: extension of 5 working days (Art. 33)" in [x.strip() for x in lines]
    assert "2020-04-07 Tue: day 25: working day (extension)" in lines
    data = desk("show R-1 --format json").json()
    assert (data["extension_days"], data["days_allowed"]) == (5, 25)


def test_a_per_page_fee_stops_the_clock_until_paid(desk: LedgerCli) -> None:
    """150 pages cost ¥1,700 (70 × ¥10 + 50 × ¥20); paying 5 working days later moves the date by 5."""
    desk.ok(receive("R-1", "2021-03-01"))
    # Due 2021-03-29: 03-02..05 (1–4), 08..12 (5–9), 15..19 (10–14), 22..26 (15–19), 29 (20).
    ran = desk("record fee R-1 --date 2021-03-10 --method per-page --pages 150")
    assert ran.code == 0, ran.err
    # Counted before the notice: 03-02..05, 08..10 = 7, so 13 of 20 are left.
    assert ran.out.splitlines() == [
        "pages 1–30: free; pages 31–100: 70 × ¥10 = ¥700; pages 101–150: 50 × ¥20 = ¥1,000; "
        "total: ¥1,700",
        "R-1: fee notice issued; clock stopped with 13 of 20 working days left",
    ]
    data = desk("show R-1 --format json").json()
    assert (data["status"], data["due_date"], data["working_days_left"]) == ("paused", None, 13)
    fee = [e["data"] for e in data["events"] if e["type"] == "request.fee-notice-issued"]
    assert fee == [
        {
            "amount": "1700",
            "method": "per-page",
            "pages": 150,
            "nth_in_month": None,
            "received_on": "2021-03-10",
        }
    ]
    # Paid 03-17: 03-11, 12, 15, 16, 17 (5 working days) are not counted. 2021-03-29 + 5:
    # 03-30 (1), 31 (2), 04-01 (3), 04-02 (4), 04-03..05 清明 off, 04-06 (5).
    assert desk.ok("record paid R-1 --date 2021-03-17") == "R-1: fee paid; due 2021-04-06"
    assert desk("show R-1 --format json").json()["status"] == "open"


def test_a_per_request_fee_charges_the_applicants_11th_request_of_the_month(
    desk: LedgerCli,
) -> None:
    """The same applicant's 11th request in a month costs ¥100; the 10th is free, nothing recorded."""
    me = "--name 王五 --id-number 110101199001011234"
    for n in range(1, 12):
        desk.ok(receive(f"R-{n:02d}", f"2021-03-{n:02d}", me))
        if n == 5:  # someone else's request in between does not count
            desk.ok(receive("OTHER", "2021-03-05", "--id-number 310101198502023456"))
    desk.ok(receive("APRIL", "2021-04-01", me))  # nor does the next month's
    before = desk.snapshot()
    tenth = desk("record fee R-10 --date 2021-03-15 --method per-request")
    assert tenth.out.splitlines()[0] == (
        "request no. 10: requests 1–10 this month are free; total: ¥0; "
        "no fee is due, nothing recorded"
    )
    assert desk.snapshot() == before
    # R-11 was received 2021-03-11; counted before the notice: 03-12, 03-15 (2), 18 left.
    eleventh = desk("record fee R-11 --date 2021-03-15 --method per-request")
    assert eleventh.out.splitlines() == [
        "request no. 11: requests 11–30 this month cost ¥100 each = ¥100; total: ¥100",
        "R-11: fee notice issued; clock stopped with 18 of 20 working days left",
    ]
    data = desk("show R-11 --format json").json()
    assert [e["data"]["amount"] for e in data["events"] if "fee" in e["type"]] == ["100"]


def test_a_deferral_replaces_the_due_date(desk: LedgerCli) -> None:
    """An Art. 35 deferral to 2020-06-30 replaces the counted 2020-03-30."""
    desk.ok(receive("R-1", "2020-03-02"))
    line = desk.ok(
        "record defer R-1 --date 2020-03-10 --until 2020-06-30 --reason 一个月内申请200件"
    )
    assert line == "R-1: due date deferred to 2020-06-30; due 2020-06-30 (deferred, Art. 35)"
    data = desk("show R-1 --format json").json()
    assert (data["due_date"], data["deferred"]) == ("2020-06-30", True)
    assert explain(desk, "R-1")[-1].strip() == "due date deferred to 2020-06-30 (Art. 35)"


def test_a_clarification_restarts_the_count_from_the_corrected_request(desk: LedgerCli) -> None:
    """A correction arriving 2020-03-11 starts a new 20-day period: due 2020-04-09."""
    desk.ok(receive("R-1", "2020-03-02"))
    # Counted before the notice: 03-03, 03-04 (2), so 18 left while waiting.
    line = desk.ok("record clarify R-1 --date 2020-03-04 --reply-by 2020-03-20")
    assert line == (
        "R-1: clarification requested, reply by 2020-03-20; "
        "clock stopped with 18 of 20 working days left"
    )
    assert desk("show R-1 --format json").json()["status"] == "paused"
    # From 03-11: 03-12..13 (1–2), 16..20 (3–7), 23..27 (8–12), 30..04-03 (13–17),
    # 04-04..06 清明 off, 04-07 (18), 08 (19), 09 (20).
    line = desk.ok("record clarified R-1 --date 2020-03-11")
    assert line == "R-1: corrected request arrived; due 2020-04-09"
    lines = explain(desk, "R-1")
    assert "2020-03-03 Tue: skipped: before the clarification restart" in lines
    assert "2020-03-11 Wed: corrected request received: a new period starts (Art. 30)" in lines
    assert "2020-03-12 Thu: day 1: working day" in lines
    assert "2020-04-06 Mon: skipped: holiday: 清明" in lines


def test_a_withdrawn_request_is_closed_with_outcome_other(desk: LedgerCli) -> None:
    """A withdrawal closes the request on its day and counts it as `other` (其他)."""
    desk.ok(receive("R-1", "2020-03-02"))
    line = desk.ok("record withdraw R-1 --date 2020-03-09")
    assert line == "R-1: withdrawn; closed on 2020-03-09"
    data = desk("show R-1 --format json").json()
    assert (data["status"], data["outcome"], data["decided_on"]) == (
        "closed",
        "other",
        "2020-03-09",
    )
    assert (data["late"], data["working_days_left"]) == (False, None)


# --- show ------------------------------------------------------------------------------------

SHOW_FIELDS = {
    "id", "agency", "status", "channel", "applicant", "received_on", "due_date", "provisional",
    "outcome", "decided_on", "late", "working_days_left", "events",
}  # fmt: skip


def test_show_json_has_every_field_and_counts_days_left_as_of_a_day(desk: LedgerCli) -> None:
    """`show --format json` gives the issue's fields; days left go negative once overdue."""
    desk.ok(receive("R-1", "2020-03-02", "--agency edu --subject 学区划分"))
    on_time = desk("show R-1 --format json --as-of 2020-03-25").json()
    assert on_time.keys() >= SHOW_FIELDS
    assert {k: on_time[k] for k in SHOW_FIELDS - {"events"}} == {
        "id": "R-1", "agency": "edu", "status": "open", "channel": "in-person",
        "applicant": "natural", "received_on": "2020-03-02", "due_date": "2020-03-30",
        "provisional": False, "outcome": None, "decided_on": None, "late": False,
        "working_days_left": 3,  # 03-26, 03-27, 03-30
    }  # fmt: skip
    events = on_time["events"]
    assert [e["type"] for e in events] == ["request.received", "request.deadline-set"]
    assert events[0].keys() >= {"position", "date", "type", "data", "actor", "recorded_at"}
    overdue = desk("show R-1 --format json --as-of 2020-04-02").json()
    assert (overdue["working_days_left"], overdue["late"]) == (-3, True)  # 03-31, 04-01, 04-02
    # Without --as-of, today (2021-12-31) is long after the due date.
    assert desk("show R-1 --format json").json()["working_days_left"] < -400
    desk.ok("record decide R-1 --date 2020-04-01 --outcome disclosed")
    closed = desk("show R-1 --format json").json()
    assert {k: closed[k] for k in ("status", "outcome", "decided_on", "late")} == {
        "status": "closed",
        "outcome": "disclosed",
        "decided_on": "2020-04-01",
        "late": True,
    }


def test_show_text_gives_the_same_facts_with_the_timeline(desk: LedgerCli) -> None:
    """`show` for a person: status, dates, subject, days left, and one timeline line per event."""
    desk.ok(receive("R-1", "2020-03-02", "--actor clerk-li"))
    text = desk("show R-1 --as-of 2020-03-25").out.splitlines()
    assert text[:6] == [
        "request   R-1  (default)",
        "status    open",
        "received  2020-03-02  via in-person, applicant natural",
        "subject   -",
        "due       2020-03-30  (2019 Regulation, 20 working days)",
        "left      3 working days",
    ]
    assert text[6] == "timeline:"
    assert text[7].startswith("  2020-03-02  #1      clerk-li   received (")
    assert text[8].startswith("  2020-03-02  #2      clerk-li   deadline-set (")
    assert "due=2020-03-30" in text[8]


def test_calendar_due_answers_when_a_request_received_today_is_due(desk: LedgerCli) -> None:
    """`calendar due --from 2020-01-21` prints 2020-02-26, as a desk calculator."""
    ran = desk.process("calendar due --from 2020-01-21")
    assert ran.code == 0, ran.err
    assert ran.out == "received 2020-01-21: working day 20 is 2020-02-26\n"
    # With the longest extension, 40 working days: 02-27..28 (21–22), 03-02..06 (23–27),
    # 09..13 (28–32), 16..20 (33–37), 23..25 (38–40).
    assert desk.ok("calendar due --from 2020-01-21 --days 40") == (
        "received 2020-01-21: working day 40 is 2020-03-25"
    )


# --- ids, labels, personal data --------------------------------------------------------------


def test_an_omitted_id_is_assigned_per_agency_and_year_and_printed(desk: LedgerCli) -> None:
    """Without an ID, AGENCY-YEAR-NNNN is assigned in sequence and printed."""
    base = "record receive --channel in-person --applicant natural"
    assert desk.ok(f"{base} --date 2020-03-02").startswith("default-2020-0001: received")
    assert desk.ok(f"{base} --date 2020-03-03").startswith("default-2020-0002: received")
    assert desk.ok(f"{base} --date 2021-01-04").startswith("default-2021-0001: received")
    assert desk.ok(f"{base} --date 2020-03-03 --agency edu").startswith("edu-2020-0001: received")
    assert desk("show edu-2020-0001 --format json").json()["agency"] == "edu"


def test_chinese_labels_are_accepted_for_applicant_and_outcome(desk: LedgerCli) -> None:
    """`--applicant 自然人` and `--outcome 予以公开` are stored as their codes."""
    line = desk.ok("record receive R-1 --date 2020-03-02 --channel in-person --applicant 自然人")
    assert line == "R-1: received 2020-03-02 (in-person, natural); due 2020-03-30"
    line = desk.ok("record decide R-1 --date 2020-03-20 --outcome 予以公开")
    assert line == "R-1: decided: disclosed; closed on 2020-03-20"
    data = desk("show R-1 --format json").json()
    assert (data["applicant"], data["outcome"]) == ("natural", "disclosed")


def test_personal_data_is_kept_out_of_the_event_log(desk: LedgerCli) -> None:
    """Name, identity number and contacts go to the applicants table, sealed, never into events."""
    person = {
        "--name": "张三丰",
        "--id-number": "110101199001011234",
        "--phone": "13812345678",
        "--email": "zhang@example.cn",
        "--address": "北京市东城区某街1号",
    }
    desk.ok("record", "receive", "R-1", "--date", "2020-03-02", "--channel", "in-person",
            "--applicant", "natural", *[x for pair in person.items() for x in pair])  # fmt: skip
    raw = "\n".join(row[0] for row in desk.sql("SELECT CAST(data AS TEXT) FROM events"))
    for value in person.values():
        assert value not in raw
        assert value.encode("unicode_escape").decode() not in raw  # nor \\u-escaped
    rows = desk.sql("SELECT ref, name, id_number, phone, email, address FROM applicants")
    assert len(rows) == 1
    assert not set(rows[0][1:]) & set(person.values())  # ciphertext, opened with the key
    assert person["--name"] in desk("applicant show R-1").out
    received = desk("show R-1 --format json").json()["events"][0]["data"]
    assert received["applicant_ref"] == rows[0][0]


# --- list ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> LedgerCli:
    """Two agencies' requests, read (never written) by the list tests."""
    cli = LedgerCli(tmp_path_factory.mktemp("office") / "desk.db", "2020-04-01")
    for line in (
        receive("A-1", "2020-03-02", "--agency bureau-a"),  # due 2020-03-30
        receive("A-2", "2020-03-20", "--agency bureau-a"),  # due 2020-04-20
        receive("B-1", "2020-03-02", "--agency bureau-b"),
        "record decide B-1 --date 2020-03-10 --outcome disclosed",
        # 2019-12-03..06 (1–4) … 23..27 (15–19), 30 (20): due 2019-12-30.
        receive("B-0", "2019-12-02", "--agency bureau-b"),
    ):
        ran = cli(line)
        assert ran.code == 0, ran.err
    return cli


def ids(desk: LedgerCli, options: str = "") -> list[str]:
    """The ids `list --format json` gives, in its order (most urgent first)."""
    return [row["id"] for row in desk(f"list --format json {options}").json()]


def test_list_filters_open_overdue_received_in_and_agency(office: LedgerCli) -> None:
    """`list` filters by open, overdue (as of a day), year of receipt and agency."""
    assert ids(office) == ["B-0", "A-1", "A-2", "B-1"]
    assert ids(office, "--open") == ["B-0", "A-1", "A-2"]
    # As of 2020-04-01: A-1 (due 03-30) and B-0 (due 2019-12-30) have passed their dates.
    assert ids(office, "--overdue --as-of 2020-04-01") == ["B-0", "A-1"]
    assert ids(office, "--overdue --as-of 2020-03-30") == ["B-0"]
    assert ids(office, "--received-in 2019") == ["B-0"]
    assert ids(office, "--received-in 2020 --agency bureau-a") == ["A-1", "A-2"]
    assert ids(office, "--agency bureau-b") == ["B-0", "B-1"]
    assert ids(office, "--agency nobody") == []


def test_list_due_within_counts_working_days_as_of_a_day(office: LedgerCli) -> None:
    """A-2 (due 2020-04-20) has 12 working days left on 2020-04-01: due within 12, not 11."""
    # 04-02, 03, 07, 08, 09, 10, 13, 14, 15, 16, 17, 20: 12 (04-04..06 清明 off).
    assert "A-2" in ids(office, "--due-within 12 --as-of 2020-04-01")
    assert "A-2" not in ids(office, "--due-within 11 --as-of 2020-04-01")
    assert "B-1" not in ids(office, "--due-within 1000 --as-of 2020-04-01")


def test_list_formats_text_json_and_csv(office: LedgerCli) -> None:
    """`list` prints a table, JSON rows, or CSV with a header, all with the same rows."""
    json_rows = office("list --open --format json --as-of 2020-04-01").json()
    a1 = next(r for r in json_rows if r["id"] == "A-1")
    assert (a1["due_date"], a1["working_days_left"], a1["late"]) == ("2020-03-30", -2, True)
    assert "events" not in a1
    text = office("list --open --as-of 2020-04-01 --wide").out.splitlines()
    assert text[0].split() == [
        "id", "agency", "status", "channel", "applicant", "received", "due",
        "provisional", "left", "outcome", "decided", "late", "subject", "recorded_late",
    ]  # fmt: skip
    assert [line.split()[0] for line in text[1:]] == ["B-0", "A-1", "A-2"]
    csv_out = office("list --open --format csv --as-of 2020-04-01").out
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert [r["id"] for r in rows] == ["B-0", "A-1", "A-2"]
    assert rows[1]["working_days_left"] == "-2"
    assert office("list --agency nobody").out == "no requests match\n"


@pytest.fixture
def friday_due(desk: LedgerCli) -> LedgerCli:
    """A request due Friday 2020-04-03, before the Qingming holiday 04-04..04-06."""
    # 03-09..13 (1–5), 16..20 (6–10), 23..27 (11–15), 30..04-03 (16–20).
    assert desk.ok(receive("F-1", "2020-03-06")).endswith("due 2020-04-03")
    return desk


def test_a_request_is_listed_overdue_on_the_holiday_after_its_due_date(
    friday_due: LedgerCli,
) -> None:
    """On Saturday 2020-04-04 the Friday due date has passed, so `list --overdue` shows F-1."""
    assert ids(friday_due, "--overdue --as-of 2020-04-03") == []
    assert ids(friday_due, "--overdue --as-of 2020-04-04") == ["F-1"]


@pytest.mark.parametrize(
    ("day", "left"),
    [("2020-04-03", 0), ("2020-04-04", -1), ("2020-04-06", -1), ("2020-04-07", -1),
     ("2020-04-08", -2)],
)  # fmt: skip
def test_days_left_is_negative_from_the_day_after_the_due_date(
    friday_due: LedgerCli, day: str, left: int
) -> None:
    """Past a 04-03 due date days left are negative, at least -1 over the Qingming holiday."""
    data = friday_due(f"show F-1 --format json --as-of {day}").json()
    assert (data["working_days_left"], data["late"]) == (left, left < 0)
