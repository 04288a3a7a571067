"""Chinese by default, English on request; help that reads; errors of the system in one line."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from ledger.cli import cli
from ledger.helptext import summary
from ledger.i18n import set_language
from tests.e2e.cli_runner import LedgerCli

TODAY = "2024-05-06"


@pytest.fixture
def zh(tmp_path: Path, chinese: None) -> LedgerCli:
    """The command as a person runs it: no language configured (so Chinese)."""
    return LedgerCli(tmp_path / "desk.db", TODAY, lang=None)


def overdue(cli: LedgerCli) -> None:
    """Request A, received 2024-04-01, is 2 working days overdue on 2024-05-06."""
    cli.ok("record receive A --date 2024-04-01 --channel in-person --applicant natural")


def test_alerts_are_in_chinese_by_default(zh: LedgerCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no language configured `ledger alerts` prints its headings, kinds and messages in
    Chinese (on a terminal wide enough for one line per alert)."""
    monkeypatch.setenv("COLUMNS", "200")
    overdue(zh)
    ran = zh("alerts")
    assert ran.code == 0, ran.err
    heading, row = ran.out.splitlines()[:2]
    assert heading.split() == ["工作日", "类型", "申请", "机关", "日期", "说明"]
    assert row.split()[:5] == ["-2", "已逾期", "A", "default", "2024-04-29"]
    assert row.endswith(
        "申请 A 已于 2024-04-29 到期，尚未答复（已逾期 2 个工作日）："
        "请立即答复（ledger record decide A）"
    )


def test_alerts_are_in_english_with_lang_en(zh: LedgerCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--lang en` gives the same alerts in English, the kinds as their codes."""
    monkeypatch.setenv("COLUMNS", "200")
    overdue(zh)
    ran = zh("--lang en alerts")
    heading, row = ran.out.splitlines()[:2]
    assert heading.split() == ["days", "kind", "request", "agency", "date", "message"]
    assert row.split()[:5] == ["-2", "overdue", "A", "default", "2024-04-29"]
    assert row.endswith(
        "request A was due 2024-04-29 and is undecided (2 working days late): "
        "issue the decision now (ledger record decide A)"
    )


def test_record_help_confirmations_and_refusals_are_in_chinese_by_default(zh: LedgerCli) -> None:
    """With no language configured `record receive --help`, a step's confirmation (outcome by
    its official Chinese name), a refusal and `ledger show` are in Chinese."""
    assert "登记一件新申请；收到申请日期按第三十一条依渠道确定。" in zh("record receive --help").out
    received = zh("record receive A --date 2024-05-06 --channel in-person --applicant natural")
    assert received.out.startswith("A：已于 2024-05-06 收到（当面提交，自然人）；"), received.err
    decided = zh("record decide A --date 2024-05-06 --outcome disclosed")
    assert decided.out.startswith("A：已答复：予以公开；"), decided.err
    refused = zh("record decide NOPE --date 2024-05-06 --outcome disclosed")
    assert refused.refusal() == "ledger：申请 NOPE：没有这件申请；`ledger list` 列出所有申请"
    bad = zh("record decide A --date 2024-05-06 --outcome nothing").refusal()
    assert bad.startswith("ledger：--outcome：'nothing' 不是有效的处理结果；请使用以下之一：")
    shown = zh("show A").out.splitlines()
    assert shown[:3] == [
        "申请      A  (default)",
        "状态      已办结",
        "收到      2024-05-06  渠道：当面提交，申请人：自然人",
    ]
    assert "答复      2024-05-06: 予以公开" in shown
    assert "办理经过：" in shown


def test_record_help_confirmations_and_refusals_are_in_english_with_lang_en(
    zh: LedgerCli,
) -> None:
    """`--lang en` gives the same help, confirmation, refusal and `show` in English, codes as codes."""
    help_text = zh("--lang en record receive --help").out
    assert "Record a new request; the date of receipt follows Art. 31 by channel." in help_text
    received = zh("--lang en record receive A --date 2024-05-06 --channel 当面 --applicant natural")
    assert received.out.startswith("A: received 2024-05-06 (in-person, natural);"), received.err
    decided = zh("--lang en record decide A --date 2024-05-06 --outcome 予以公开")
    assert decided.out.startswith("A: decided: disclosed;"), decided.err
    refused = zh("--lang en record decide NOPE --date 2024-05-06 --outcome disclosed")
    assert refused.refusal() == (
        "ledger: request NOPE: no such request; `ledger list` shows the requests"
    )
    shown = zh("--lang en show A").out.splitlines()
    assert shown[:3] == [
        "request   A  (default)",
        "status    closed",
        "received  2024-05-06  via in-person, applicant natural",
    ]
    assert "decided   2024-05-06: disclosed" in shown


def test_ledger_lang_and_the_config_file_choose_english(zh: LedgerCli, tmp_path: Path) -> None:
    """LEDGER_LANG=en, or lang = "en" in the configuration file, gives English; --lang wins over both."""
    english = LedgerCli(zh.db, TODAY, init=False, lang="en")
    assert english("alerts").out.startswith("no alerts as of 2024-05-06")
    assert english("--lang zh alerts").out.startswith("截至 2024-05-06 没有提醒")
    config = tmp_path / "ledger.toml"
    config.write_text('lang = "en"\n', encoding="utf-8")
    assert zh(f"--config {config} alerts").out.startswith("no alerts as of 2024-05-06")
    assert zh("alerts").out.startswith("截至 2024-05-06 没有提醒")


def test_an_unknown_language_is_refused_naming_the_choices(zh: LedgerCli) -> None:
    """`--lang fr` is refused in one line naming zh and en."""
    assert zh("--lang fr alerts").refusal() == (
        "ledger：'--lang' 的值无效：'fr' 不是 'zh', 'en' 之一。（见 --help）"
    )


def test_an_unknown_ledger_lang_is_refused(zh: LedgerCli) -> None:
    """LEDGER_LANG=fr is refused in one line naming the option it stands for and the choices."""
    ran = LedgerCli(zh.db, TODAY, init=False, lang="fr")("alerts")
    assert ran.refusal() == ("ledger：'--lang' 的值无效：'fr' 不是 'zh', 'en' 之一。（见 --help）")


def test_a_bad_lang_in_the_config_file_is_refused_by_key(zh: LedgerCli, tmp_path: Path) -> None:
    """lang = "fr" in the configuration file is refused naming the key and what is allowed."""
    config = tmp_path / "ledger.toml"
    config.write_text('lang = "fr"\n', encoding="utf-8")
    refusal = zh(f"--config {config} alerts").refusal()
    assert refusal.startswith(f"ledger：--config {config}: lang: ")
    assert "zh or en" in refusal


def test_clicks_own_messages_follow_the_language(zh: LedgerCli) -> None:
    """click's usage errors and help headings are translated too."""
    assert zh("nosuch").refusal() == "ledger：没有命令 'nosuch'。（见 --help）"
    assert zh("--lang en nosuch").refusal() == "ledger: No such command 'nosuch'. (see --help)"
    help_zh = zh("alerts --help").out
    assert help_zh.startswith("用法: ledger alerts [OPTIONS]")
    assert "选项:" in help_zh
    assert "显示本帮助并退出。" in help_zh
    assert "列出需要有人处理的事项，最紧急的在前。" in help_zh
    help_en = zh("--lang en alerts --help").out
    assert help_en.startswith("Usage: ledger alerts [OPTIONS]")
    assert "Show this message and exit." in help_en


@pytest.mark.parametrize("args", ["", "record", "agency", "calendar", "applicant", "projections"])
def test_a_group_alone_prints_its_help_on_many_lines(zh: LedgerCli, args: str) -> None:
    """`ledger` and each group alone print their whole help, line by line, and exit 0."""
    english = LedgerCli(zh.db, TODAY, init=False, lang="en")
    for ran in (zh(args), english(args)) if args else (zh(), english()):
        assert ran.code == 0, ran.err
        lines = ran.out.splitlines()
        assert len(lines) > 8
        assert lines[0].startswith(("用法: ledger", "Usage: ledger"))
        assert ran.err == ""


def test_root_options_without_a_command_print_the_help(zh: LedgerCli) -> None:
    """`ledger --lang en` prints the help in English, as `ledger` alone does, and exits 0."""
    ran = zh("--lang en")
    assert ran.code == 0, ran.err
    assert ran.out.startswith("Usage: ledger [OPTIONS] COMMAND [ARGS]...")


def _commands() -> list[tuple[str, click.Command]]:
    """Every command and group under `ledger`, with its path."""
    ctx = click.Context(cli)
    found: list[tuple[str, click.Command]] = []

    def walk(command: click.Command, path: str) -> None:
        found.append((path, command))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, f"{path} {name}")

    walk(cli, "ledger")
    return found


def test_every_command_has_an_example_and_a_whole_sentence_summary() -> None:
    """Each command's help shows an example, and its summary is a whole sentence (brackets closed)."""
    set_language("en")
    for path, command in _commands():
        text = command.help or ""
        assert re.search(r"Example", text), f"{path}: no example"
        short = summary(text)
        assert short.endswith((".", "?")), f"{path}: {short!r}"
        assert short.count("(") == short.count(")"), f"{path}: {short!r}"


def test_every_commands_help_prints_in_both_languages(zh: LedgerCli) -> None:
    """`ledger X --help` works for every command and group (projections included) in Chinese
    and in English, and the Chinese help is translated: its description is Chinese and its
    English description is not left in it (a module missing from babel.cfg fails here)."""
    paths = [path for path, _command in _commands()]
    assert "ledger projections status" in paths
    for path in paths:
        words = path.split()[1:]
        english = zh(*["--lang", "en", *words, "--help"])
        assert english.code == 0, (path, english.err)
        assert english.out.startswith("Usage: " + path), (path, english.out[:80])
        chinese = zh(*["--lang", "zh", *words, "--help"])
        assert chinese.code == 0, (path, chinese.err)
        assert chinese.out.startswith("用法: " + path), (path, chinese.out[:80])
        described = chinese.out.split("\n\n", 2)[1]
        assert re.search("[\u4e00-\u9fff]", described), (path, described)
        first = english.out.split("\n\n", 2)[1].strip().split(".")[0]
        assert first not in chinese.out, (path, first)


def test_a_folder_that_cannot_be_made_is_one_line(zh: LedgerCli, tmp_path: Path) -> None:
    """A database or output folder that cannot be created is refused in one line, not a traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    made = zh(*["--lang", "en", "--db", str(blocker / "sub" / "desk.db"), "init"])
    assert made.refusal() == f"ledger: --db: cannot create {blocker}/sub/desk.db: Not a directory"
    ran = zh(*["--lang", "en", "report", "2024", "--output", str(blocker / "sub" / "r.docx")])
    assert ran.code != 0
    assert "Traceback" not in ran.err, ran.err
    assert ran.err.strip().splitlines()[-1] == (
        f"ledger: --output: folder {blocker}/sub does not exist"
    )
