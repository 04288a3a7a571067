"""Help texts: wrapped by display width, summarised by whole sentences, shown in the current language."""

from __future__ import annotations

import click
from hypothesis import given
from hypothesis import strategies as st

from ledger.helptext import localize, summary, wrap
from ledger.i18n import set_language
from ledger.textwidth import width

WORDS = st.lists(
    st.one_of(
        st.text(alphabet="申请补正期限答复机关工作日，。（）", min_size=1, max_size=30),
        st.text(alphabet="abcdefghij-", min_size=1, max_size=12),
    ),
    min_size=1,
    max_size=30,
)


@given(WORDS, st.integers(min_value=20, max_value=100))
def test_wrapped_lines_fit_the_columns_and_keep_every_character(
    words: list[str], columns: int
) -> None:
    """No wrapped line is wider than the terminal (a Chinese character is two columns), and no character is lost."""
    text = " ".join(words)
    lines = wrap(text, columns, "  ").splitlines()
    for line in lines:
        # A line may overhang by one closing mark kept with the character before it.
        assert width(line) <= columns or (
            line[-1] in "，。、；：！？）" and width(line[:-1]) <= columns
        ), line
    assert "".join("".join(lines).split()) == "".join(text.split())


def test_a_summary_is_the_first_whole_sentence() -> None:
    """The summary is not cut inside a bracket or after "Art."; Chinese ends at 。."""
    assert summary(
        "Ask the applicant to correct the request (补正, Art. 30); the clock stops.\n\nMore."
    ) == ("Ask the applicant to correct the request (补正, Art. 30); the clock stops.")
    assert summary("When is it due? The clock without a request.") == "When is it due?"
    assert (
        summary("列出需要有人处理的事项，最紧急的在前。\n\n其他。")
        == "列出需要有人处理的事项，最紧急的在前。"
    )
    assert summary(
        "Record a new request; the date of receipt follows Art. 31 by\nchannel. In person."
    ) == ("Record a new request; the date of receipt follows Art. 31 by channel.")


def test_localize_switches_help_between_languages_and_back() -> None:
    """The same command object shows Chinese help, then English again, as the language changes."""

    @click.command()
    @click.option("--db", help="Database URL or SQLite file path.")
    def probe(db: str | None) -> None:
        """Show what would be sent and closed; record nothing."""

    set_language("zh")
    localize(probe)
    assert probe.help == "显示将发送和办结的内容，不作任何记录。"
    assert probe.params[0].help == "数据库 URL 或 SQLite 文件路径。"
    assert probe.short_help == "显示将发送和办结的内容，不作任何记录。"
    set_language("en")
    localize(probe)
    assert probe.help == "Show what would be sent and closed; record nothing."
    assert probe.params[0].help == "Database URL or SQLite file path."
