"""Cutting, wrapping and fitting terminal text by display width (a CJK character takes two)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.textwidth import ELLIPSIS, choose_columns, fit_table, truncate, width, wrap

TEXT = st.text(alphabet=st.sampled_from("ab c-D1 学区划分方案 ，。（）"), min_size=0, max_size=60)


@given(TEXT, st.integers(min_value=2, max_value=40))
def test_truncate_fits_and_keeps_a_prefix(text: str, columns: int) -> None:
    """A cut text fits with room for a wide ellipsis, and starts as the text did; a short one is kept."""
    cut = truncate(text, columns)
    if width(text) <= columns:
        assert cut == text
    else:
        assert cut.endswith(ELLIPSIS)
        assert text.startswith(cut[:-1])
        assert width(cut) <= columns - 1


@given(TEXT, st.integers(min_value=2, max_value=40))
def test_wrap_fits_and_loses_nothing(text: str, columns: int) -> None:
    """Every wrapped line fits, and the lines hold the text's characters in order (spaces aside)."""
    lines = wrap(text, columns)
    assert all(width(line) <= columns for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())


def test_wrap_breaks_at_spaces_when_it_can() -> None:
    """Latin text breaks between words; Chinese, which has no spaces, between characters."""
    assert wrap("decide or extend it (Art. 33)", 12) == ["decide or", "extend it", "(Art. 33)"]
    assert wrap("申请人逾期未补正", 6) == ["申请人", "逾期未", "补正"]


def test_columns_are_kept_in_priority_order_while_they_fit() -> None:
    """The longest prefix of the priority that fits is kept, in table order; the flexible
    column counts at its minimum."""
    widths = [15, 6, 10, 40, 4]
    assert choose_columns(widths, 80, [0, 3, 2, 1, 4], flex=3) == [0, 1, 2, 3, 4]
    assert choose_columns(widths, 50, [0, 3, 2, 1, 4], flex=3) == [0, 2, 3]
    assert choose_columns(widths, 10, [0, 3], flex=3) == [0]


def test_fit_table_cuts_the_flexible_column_to_the_width() -> None:
    """The last column takes what is left and is cut with an ellipsis; None keeps everything."""
    rows = [["R-1", "2020年学区划分方案及民办学校招生计划"]]
    fitted = fit_table(["id", "subject"], rows, 30, [0, 1], 1)
    assert all(width(line) <= 30 for line in fitted.splitlines())
    assert fitted.splitlines()[1].endswith(ELLIPSIS)
    assert "招生计划" in fit_table(["id", "subject"], rows, None, [0, 1], 1)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | TEXT)
def test_width_of_ascii_is_what_wcwidth_says(text: str) -> None:
    """The printable-ASCII shortcut gives wcwidth's answer (a control character: its length)."""
    from wcwidth import wcswidth

    columns = wcswidth(text)
    assert width(text) == (columns if columns >= 0 else len(text))
