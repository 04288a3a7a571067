"""Every desk output a person reads is Chinese by default and English with `--lang en`:
the due-date explanation, the log, imports, the calendar, the fee working, verify and the
names of steps in refusals (issue 10)."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.cli_runner import LedgerCli

TODAY = "2024-05-06"
HELD = "1 个锚点均成立；截至各锚点的历史未被改动"
RECEIVE = "record receive A --date 2024-04-15 --channel in-person --applicant natural"


@pytest.fixture
def zh(tmp_path: Path, chinese: None) -> LedgerCli:
    """The command as a person runs it: no language configured (so Chinese)."""
    return LedgerCli(tmp_path / "desk.db", TODAY, lang=None)


@pytest.fixture
def extended(zh: LedgerCli) -> LedgerCli:
    """Request A, received 2024-04-15 (a Monday), extended by 5 working days on 2024-04-29."""
    zh.ok(RECEIVE)
    ran = zh("record extend A --date 2024-04-29 --days 5 --approver 王主任")
    assert ran.code == 0, ran.err
    return zh


def test_the_due_date_explanation_is_in_chinese(extended: LedgerCli) -> None:
    """`show --explain` names each day with its Chinese weekday and why it counts or not."""
    lines = extended("show A --explain").out.splitlines()
    assert "2024-04-15 周一：收到：收到申请当日不计入（第三十一条）" in lines
    assert "2024-04-16 周二：第 1 日：工作日" in lines
    assert "2024-04-27 周六：不计：周末" in lines
    assert "2024-04-28 周日：第 10 日：调休上班日" in lines
    assert "2024-05-01 周三：不计：节假日：劳动节" in lines
    assert "2024-05-15 周三：第 21 日：工作日（延期）" in lines
    stripped = [line.strip() for line in lines]
    assert "第 21–25 日：延期 5 个工作日（第三十三条）" in stripped
    assert "到期：2024-05-21（第 25 个工作日，2019 年条例）" in stripped
    assert not re.search(r"\b(Mon|Tue|Sat|day \d|skipped|working day)\b", "\n".join(lines))


def test_the_due_date_explanation_is_in_english_with_lang_en(extended: LedgerCli) -> None:
    """`--lang en show --explain` gives the same account in English."""
    lines = extended("--lang en show A --explain").out.splitlines()
    assert "2024-04-15 Mon: received: the day of receipt is not counted (Art. 31)" in lines
    assert "2024-04-27 Sat: skipped: weekend" in lines
    assert "2024-04-28 Sun: day 10: make-up working day" in lines
    assert "2024-05-01 Wed: skipped: holiday: 劳动节" in lines
    assert "2024-05-15 Wed: day 21: working day (extension)" in lines
    assert "due: 2024-05-21 (working day 25, 2019 Regulation)" in [x.strip() for x in lines]


def test_a_paused_clock_is_explained_in_chinese(zh: LedgerCli) -> None:
    """A fee notice stops the clock until paid: the explanation names the pause in Chinese,
    while unpaid and once paid."""
    zh.ok("record receive F --date 2024-04-15 --channel in-person --applicant natural")
    assert zh("record fee F --date 2024-04-17 --amount 100").code == 0
    lines = [x.strip() for x in zh("show F --explain").out.splitlines()]
    assert lines[-1] == "2024-04-17 之后停止计时（发出收费通知至缴费）：20 个工作日还剩 18 个"
    assert zh("record paid F --date 2024-04-22").code == 0
    lines = [x.strip() for x in zh("show F --explain").out.splitlines()]
    assert "2024-04-18 周四：不计：处于暂停期间：发出收费通知至缴费" in lines
    assert "2024-04-23 周二：第 3 日：工作日" in lines
    english = zh("--lang en show F --explain").out.splitlines()
    assert "2024-04-18 Thu: skipped: inside pause: fee notice until payment" in english


def test_calendar_show_names_weekdays_in_the_language(zh: LedgerCli) -> None:
    """`calendar show` prints 周一 … 周日 in Chinese, Mon … Sun in English."""
    chinese = zh("calendar show 2024").out.splitlines()
    assert "  2024-01-01 周一  元旦" in chinese
    assert "  2024-02-04 周日" in chinese  # a make-up working day
    assert "2024 年官方安排（chinesecalendar 软件包）" in chinese
    english = zh("--lang en calendar show 2024").out.splitlines()
    assert "  2024-01-01 Mon  元旦" in english
    assert "  2024-02-04 Sun" in english


def test_the_log_names_each_event_in_chinese(extended: LedgerCli) -> None:
    """`ledger log` shows the type, its Chinese name and who recorded it; JSON keeps the type."""
    lines = extended("log").out.splitlines()
    assert "  request.received（收到）  " in lines[0]
    assert re.search(r"  登记人 \S+$", lines[0]), lines[0]
    assert "  request.extension-granted（延期）  " in lines[2]
    english = extended("--lang en log").out.splitlines()
    assert "  request.received  " in english[0]
    assert "（" not in english[0]
    assert " by " in english[0]
    record = extended("log --format json").out.splitlines()[0]
    assert '"type":"request.received"' in record.replace(" ", "")
    assert "收到" not in record


def test_a_refusal_names_the_step_by_its_chinese_name(extended: LedgerCli) -> None:
    """Retracting an extension without its approver names the step 延期 (extension-granted in English)."""
    kind = "request.extension-granted"
    position = extended.sql("SELECT position FROM events WHERE type = ?", kind)[0][0]
    refusal = extended(f"record retract A --step {position} --reason 误录").refusal()
    assert refusal == (
        f"ledger：--approver：撤销第 #{position} 步（延期）须写明同意该变更的批准人（第三十三条）"
    )
    english = extended(f"--lang en record retract A --step {position} --reason x").refusal()
    assert f"retracting #{position} (extension-granted) needs the approver" in english


def test_a_timeline_names_every_step_in_chinese(extended: LedgerCli) -> None:
    """`ledger show` lists the steps by their Chinese names, notices included."""
    assert extended("notice A 回执 --format text").code == 0
    shown = extended("show A").out
    assert "延期" in shown
    assert "出具告知书" in shown
    assert "notice-issued" not in shown


def test_verify_and_its_anchors_speak_chinese(extended: LedgerCli) -> None:
    """verify's lines, its anchor refusals and a cut-off tail are Chinese by default."""
    lines = extended("verify").out.splitlines()
    assert lines == ["已核验 4 个事件；哈希链完整", "已重新推算 2 个登记的期限；全部一致"]
    bad = extended("verify --against nonsense").refusal()
    assert bad.startswith("ledger：--against：'nonsense' 不是锚点；允许：")
    far = "9:" + "0" * 64
    tail = extended(f"verify --against {far}")
    assert tail.code == 4
    assert tail.refusal() == "ledger：位置 5：尾部被截断：日志止于 4，但锚点记录的是 9"
    english = extended(f"--lang en verify --against {far}").refusal()
    assert english == (
        "ledger: position 5: truncated tail: the log ends at 4 but anchor 9 was recorded"
    )
    head = extended("verify --anchor").out.splitlines()[-1]
    anchor = head.split()[1]
    held = extended(f"verify --against {anchor}").out.splitlines()
    assert held[1] == HELD


def test_a_rewritten_chain_is_reported_in_chinese(extended: LedgerCli) -> None:
    """A changed stored event is named in Chinese: the position and the kind of change."""
    with closing(sqlite3.connect(extended.db)) as conn:
        triggers = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        ]
        for name in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("UPDATE events SET actor = 'mallory' WHERE position = 2")
        conn.commit()
    ran = extended("verify")
    assert ran.code == 4
    assert ran.refusal().startswith("ledger：位置 2：内容被改动：")
    assert ran.refusal().endswith("（此前 1 个事件核验无误）")


def test_a_jsonl_import_lists_its_bad_lines_in_chinese(zh: LedgerCli, tmp_path: Path) -> None:
    """A JSON-lines import refused: the head and each line's rule in Chinese; English with --lang en."""
    history = tmp_path / "history.jsonl"
    history.write_text('"x"\n{"stream": "s"}\n', encoding="utf-8")
    lines = zh(f"import {history}").err.strip().splitlines()
    assert lines == [
        f"ledger：{history} 中有 2 行有误；未导入任何内容",
        f"{history}:1：不是 JSON 对象",
        f"{history}:2：需要以下键：stream（或 stream_id）、type、data 和 effective_date",
    ]
    english = zh(f"--lang en import {history}").err.strip().splitlines()
    assert english[:2] == [
        f"ledger: 2 bad lines in {history}; nothing was imported",
        f"{history}:1: not a JSON object",
    ]


def test_a_register_import_reports_rows_and_progress_in_chinese(
    zh: LedgerCli, tmp_path: Path
) -> None:
    """A bad register row is named by row and column with what is allowed, and the plain
    progress lines and summary are Chinese; English with --lang en."""
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "受理编号,收到日期,收到方式,申请人类型\nX-1,2024-02-30,当面,自然人\nX-2,2024-03-01,鸽子,自然人\n",
        encoding="utf-8",
    )
    lines = zh(f"import {bad}").err.strip().splitlines()
    problems = [x for x in lines if "行，" in x]
    assert problems[0] == (
        "ledger：第 2 行，收到日期：'2024-02-30'：不是日历上存在的日期；"
        "请使用如 2020-03-02、2020/3/2、2020年3月2日 的日期或 Excel 日期"
    )
    assert problems[1].startswith("第 3 行，收到方式：'鸽子'：不是")
    assert lines[-1].startswith("未导入任何内容：2 行中有 2 行有误")
    english = zh(f"--lang en import {bad}").err.strip().splitlines()
    assert english[0].startswith(
        "ledger: row 2, 收到日期: '2024-02-30': is not a day of the calendar; use a date such as"
    )
    assert english[-1].startswith("nothing was imported: 2 of 2 rows are bad")


def test_a_good_register_import_summarises_in_chinese(zh: LedgerCli, tmp_path: Path) -> None:
    """The template's sample row imports with a Chinese summary."""
    template = tmp_path / "register.xlsx"
    assert zh(f"import --template {template}").code == 0
    dry = zh(f"import {template} --dry-run", today="2024-06-30")
    assert dry.code == 0, dry.err
    assert "检查：1/1 行" in dry.err
    assert "checking: 1/1 rows" in zh(f"--lang en import {template} --dry-run").err
    assert not re.search(r"[A-Za-z]{4,}", dry.out.replace(str(template), "")), dry.out


def test_the_fee_working_is_chinese_at_the_desk_and_on_the_notice(zh: LedgerCli) -> None:
    """`record fee` prints the working in the desk's language; the 收费通知书 prints it in
    Chinese, as the rest of the letter, in either language."""
    zh.ok("record receive P --date 2024-04-15 --channel in-person --applicant natural")
    ran = zh("record fee P --date 2024-04-17 --method per-page --pages 150")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[0] == (
        "第 1–30 页：免费；第 31–100 页：70 × ¥10 = ¥700；第 101–150 页：50 × ¥20 = ¥1,000；"
        "合计：¥1,700"
    )
    for lang in ("zh", "en"):
        letter = zh(f"--lang {lang} notice P 收费 --format text --draft").out
        assert "第1至30页：免予收费" in letter, letter
        assert "第31至100页：70页×10元/页＝700元" in letter
        assert "第101至150页：50页×20元/页＝1000元" in letter
        assert "合计：1700元" in letter
        assert "pages" not in letter


def test_the_fee_working_is_english_with_lang_en(zh: LedgerCli) -> None:
    """The desk's working stays as it was in English."""
    zh.ok("record receive P --date 2024-04-15 --channel in-person --applicant natural")
    ran = zh("--lang en record fee P --date 2024-04-17 --method per-page --pages 150")
    assert ran.out.splitlines()[0] == (
        "pages 1–30: free; pages 31–100: 70 × ¥10 = ¥700; pages 101–150: 50 × ¥20 = ¥1,000; "
        "total: ¥1,700"
    )


def test_projections_speak_chinese(extended: LedgerCli) -> None:
    """`projections` help and status lines are Chinese by default, English with --lang en."""
    assert "查询所用、由日志维护的投影表：查看状态，或重建。" in extended("projections --help").out
    assert "The tables the reads use" in extended("--lang en projections --help").out
    status = extended("projections status").out.splitlines()
    assert status
    assert all(re.fullmatch(r"\S+：位置 \d+／\d+（已是最新）", x) for x in status)
    english = extended("--lang en projections status").out.splitlines()
    assert all(x.endswith("(up to date)") for x in english)


def test_a_bad_date_is_refused_in_chinese(zh: LedgerCli) -> None:
    """A date typed wrong is one Chinese line naming the option and the form allowed."""
    zh.ok(RECEIVE)
    refusal = zh("show A --as-of 2024/13/01").refusal()
    assert "2024/13/01" in refusal
    assert "YYYY-MM-DD" in refusal
    assert "not a date" not in refusal


def test_applicant_show_labels_are_chinese(zh: LedgerCli) -> None:
    """`applicant show` names the fields in Chinese (in English the field names)."""
    zh.ok(RECEIVE.replace(" A ", " B ") + " --name 张三 --phone 13800000000")
    lines = zh("applicant show B").out.splitlines()
    assert lines[1].startswith("姓名")
    assert lines[1].endswith("张三")
    english = zh("--lang en applicant show B").out.splitlines()
    assert english[1].startswith("name       张三")


def test_calendar_refusals_are_in_chinese(zh: LedgerCli, tmp_path: Path) -> None:
    """`calendar due` beyond the allowed days and a schedule file with a make-up working day
    on a Monday are refused in Chinese (the weekday by its Chinese name), English with --lang en."""
    assert zh("calendar due --from 2024-05-06 --days 99").refusal() == (
        "ledger：--days：99 不允许；应为 1 至 40"
    )
    schedule = tmp_path / "2027.csv"
    schedule.write_text("date,kind,name\n2027-02-08,holiday,春节\n2027-01-04,workday,\n")
    refusal = zh(f"calendar add 2027 --file {schedule}").refusal()
    assert refusal.endswith("调休上班日 2027-01-04 是星期一；必须是星期六或星期日"), refusal
    english = zh(f"--lang en calendar add 2027 --file {schedule}").refusal()
    assert english.endswith(
        "make-up working day 2027-01-04 is a Monday; it must be a Saturday or Sunday"
    )


def test_list_and_find_tables_are_chinese(extended: LedgerCli) -> None:
    """The tables of `list` and `find` head their columns and name the status in Chinese;
    `--lang en` gives the English words, and CSV keeps the codes for machines."""
    head, row = extended("list --wide").out.splitlines()[:2]
    assert head.split()[:3] == ["编号", "机关", "状态"]
    assert row.split()[2] == "办理中"
    english = extended("--lang en find A --wide").out.splitlines()
    assert english[0].split()[:3] == ["id", "agency", "status"]
    assert english[1].split()[2] == "open"
    csv = extended("list --format csv").out.splitlines()
    assert csv[0].startswith("id,agency,status,")
    assert ",open," in csv[1]
