"""Terminal text with Chinese in it: pad, cut and wrap by display width, not by character
count, and fit a table to the terminal by choosing its columns."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

ELLIPSIS = "…"
# U+2026 is one column in wcwidth but two in a terminal set to "ambiguous = wide" (common
# in Chinese locales), so a cut cell keeps room for two.
ELLIPSIS_ROOM = 2
GAP = 2
"""Spaces between two columns of a ``table``."""


def terminal_columns() -> int:
    """The terminal's width: $COLUMNS, else the terminal's own, else 80 (a pipe, a file)."""
    return shutil.get_terminal_size((80, 24)).columns


# wcwidth is imported where it is used: loading its tables costs a desk command that
# prints one line a tenth of its start-up.


def _char_width(char: str) -> int:
    from wcwidth import wcwidth

    return max(wcwidth(char), 0)


def width(text: str) -> int:
    """Columns the text takes in a terminal (a CJK character takes two).

    Printable ASCII (ids, dates, codes: most cells of a long table) is one column a
    character, as wcwidth says, without asking it character by character."""
    if text.isascii() and text.isprintable():
        return len(text)
    from wcwidth import wcswidth

    w = wcswidth(text)
    return w if w >= 0 else len(text)


def pad(text: str, columns: int, align: str = "<") -> str:
    """The text padded with spaces to ``columns`` display columns."""
    gap = " " * max(0, columns - width(text))
    return gap + text if align == ">" else text + gap


def truncate(text: str, columns: int) -> str:
    """The text cut to fit ``columns`` display columns, ending in an ellipsis when cut."""
    if width(text) <= columns:
        return text
    kept, used = [], 0
    for char in text:
        used += _char_width(char)
        if used > columns - ELLIPSIS_ROOM:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS if columns >= ELLIPSIS_ROOM else ""


def wrap(text: str, columns: int) -> list[str]:
    """The text in lines of at most ``columns`` display columns: broken at spaces, and
    anywhere inside a word too wide for a line (Chinese has no spaces to break at)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        joined = f"{line} {word}" if line else word
        if width(joined) <= columns:
            line = joined
            continue
        if width(word) <= columns:
            lines.append(line)
            line = word
            continue
        line = f"{line} " if line else ""
        for char in word:
            if width(line) + _char_width(char) > columns:
                lines.append(line.rstrip())
                line = ""
            line += char
    if line:
        lines.append(line)
    return [ln for ln in lines if ln] or [""]


def choose_columns(
    widths: Sequence[int],
    columns: int,
    priority: Sequence[int],
    flex: int | None = None,
    flex_min: int = 20,
) -> list[int]:
    """Which columns of a table fit in ``columns``: the longest prefix of ``priority``
    that fits (the ``flex`` column counted at ``flex_min`` at most, since ``truncate``
    shortens it; the first column always), returned in table order."""
    kept: list[int] = []
    used = -GAP
    for index in priority:
        used += GAP + (min(widths[index], flex_min) if index == flex else widths[index])
        if kept and used > columns:
            break
        kept.append(index)
    return sorted(kept)


def fit_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    columns: int | None,
    priority: Sequence[int],
    flex: int,
    right: frozenset[int] = frozenset(),
) -> str:
    """A ``table`` fitted to ``columns`` (None: every column, nothing cut): the columns by
    ``choose_columns``, and the ``flex`` column (the last one) cut with an ellipsis."""
    if columns is None:
        return table(headers, rows, right)
    widths = [width(h) for h in headers]
    for row in rows:
        widths = [max(w, width(c)) for w, c in zip(widths, row, strict=True)]
    kept = choose_columns(widths, columns, priority, flex)
    room = columns - sum(widths[i] + GAP for i in kept if i != flex)
    cut = [[truncate(r[i], room) if i == flex else r[i] for i in kept] for r in rows]
    shown_right = frozenset(n for n, i in enumerate(kept) if i in right)
    return table([headers[i] for i in kept], cut, shown_right)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()
) -> str:
    """Rows aligned under their headers; columns in ``right`` are right-aligned."""
    widths = [width(h) for h in headers]
    for row in rows:
        widths = [max(w, width(c)) for w, c in zip(widths, row, strict=True)]
    lines = []
    for row in [list(headers), *rows]:
        cells = [
            pad(c, w, ">" if i in right else "<")
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append((" " * GAP).join(cells).rstrip())
    return "\n".join(lines)
