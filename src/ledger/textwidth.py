"""Terminal text with Chinese in it: pad by display width, not by character count."""

from __future__ import annotations

from collections.abc import Sequence

from wcwidth import wcswidth


def width(text: str) -> int:
    """Columns the text takes in a terminal (a CJK character takes two)."""
    w = wcswidth(text)
    return w if w >= 0 else len(text)


def pad(text: str, columns: int, align: str = "<") -> str:
    """The text padded with spaces to ``columns`` display columns."""
    gap = " " * max(0, columns - width(text))
    return gap + text if align == ">" else text + gap


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
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
