"""The report as one self-contained HTML page: inline CSS, inline SVG, no scripts.

The page must open from a file share or an e-mail attachment with no network, so
nothing is fetched: the chart of requests received and answered per month is drawn
here as SVG rectangles.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ledger.report import _layout as lay
from ledger.report import editions as ed
from ledger.report.model import MONTHS, AnnualReport, paragraphs

CSS = """
body { font-family: "Songti SC", "SimSun", "宋体", "Noto Serif CJK SC", serif;
       max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.7; color: #111; }
h1 { text-align: center; font-size: 1.6em; }
h2 { font-family: "Heiti SC", "SimHei", "黑体", "Noto Sans CJK SC", sans-serif;
     font-size: 1.2em; font-weight: normal; margin-top: 1.6em; }
h3 { font-size: 1.05em; }
p.body { text-indent: 2em; margin: 0.4em 0; }
table { border-collapse: collapse; margin: 0.8em auto; font-size: 0.85em; }
th, td { border: 1px solid #333; padding: 0.25em 0.5em; vertical-align: middle; }
th { font-weight: normal; text-align: center; background: #f4f4f4; }
td.label { text-align: left; }
td.value { text-align: center; }
.signature { text-align: right; margin-top: 2em; }
.appendix { margin-top: 3em; border-top: 1px solid #999; }
.note { color: #555; font-size: 0.85em; }
footer { margin-top: 3em; color: #555; font-size: 0.85em; text-align: center; }
""".strip()

CHART_WIDTH, CHART_HEIGHT = 720, 260
_LEFT, _BOTTOM, _TOP = 44, 36, 28
RECEIVED_COLOUR, ANSWERED_COLOUR = "#3b6ea5", "#e0a030"


def grid_html(grid: lay.Grid) -> str:
    """A table with the published merges as rowspan/colspan."""
    rows = []
    for row in grid.rows:
        cells = []
        for cell in row:
            tag = "th" if cell.role == "head" else "td"
            attrs = "" if tag == "th" else f' class="{cell.role}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            cells.append(f"<{tag}{attrs}>{escape(cell.text)}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>\n" + "\n".join(rows) + "\n</table>"


def _simple(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = tuple(lay.Cell(h, "head") for h in header)
    body = tuple(
        tuple(lay.Cell(v, "label" if i == 0 else "value") for i, v in enumerate(r)) for r in rows
    )
    return grid_html(lay.Grid(len(header), (head, *body)))


def _nice_top(peak: int) -> int:
    """An axis maximum at or above the peak that divides into four round steps."""
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * magnitude
            if step * 4 >= peak:
                return step * 4
        magnitude *= 10


def chart_svg(received: Sequence[int], answered: Sequence[int]) -> str:
    """Grouped bars per month: requests received (all channels) and answered."""
    top = _nice_top(max([*received, *answered, 1]))
    plot_w, plot_h = CHART_WIDTH - _LEFT - 10, CHART_HEIGHT - _BOTTOM - _TOP
    slot = plot_w / MONTHS
    bar = slot * 0.35

    def y(v: int) -> float:
        return _TOP + plot_h - plot_h * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" '
        f'height="{CHART_HEIGHT}" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'font-size="11" font-family="sans-serif" style="max-width:100%;height:auto">',
        f"<title>{escape(ed.CHART_TITLE)}</title>",
    ]
    for i in range(5):
        value = top * i // 4
        parts.append(
            f'<line x1="{_LEFT}" x2="{CHART_WIDTH - 10}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="#ddd"/>'
            f'<text x="{_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value}</text>'
        )
    for m in range(MONTHS):
        x = _LEFT + slot * m + slot * 0.15
        for offset, value, colour in (
            (0, received[m], RECEIVED_COLOUR),
            (bar, answered[m], ANSWERED_COLOUR),
        ):
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{y(value):.1f}" width="{bar:.1f}" '
                f'height="{_TOP + plot_h - y(value):.1f}" fill="{colour}">'
                f"<title>{escape(ed.month_label(m + 1))}: {value}</title></rect>"
            )
        parts.append(
            f'<text x="{_LEFT + slot * (m + 0.5):.1f}" y="{CHART_HEIGHT - _BOTTOM + 16}" '
            f'text-anchor="middle">{escape(ed.month_label(m + 1))}</text>'
        )
    legend = ((ed.CHART_RECEIVED, RECEIVED_COLOUR), (ed.ANSWERED, ANSWERED_COLOUR))
    for i, (label, colour) in enumerate(legend):
        x = _LEFT + i * 90
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="18">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _narrative(text: str) -> list[str]:
    out = []
    for para in paragraphs(text):
        if lay.is_subheading(para):
            out.append(f"<h3>{escape(lay.subheading_text(para))}</h3>")
        else:
            body = "<br>".join(escape(line) for line in para.split("\n"))
            out.append(f'<p class="body">{body}</p>')
    return out


def _stats(report: AnnualReport) -> list[str]:
    stats = report.stats
    if stats is None:
        return []
    summary = [(label, value) for _, label, value in lay.stats_summary(report)]
    oldest = lay.oldest_rows(report)
    columns, monthly = lay.monthly_rows(report)
    body = [[ed.month_label(m + 1), *(str(v) for v in vals)] for m, vals in enumerate(monthly)]
    return [
        '<section class="appendix">',
        f"<h2>{escape(ed.STATS_HEADING)}</h2>",
        f'<p class="note">{escape(ed.STATS_NOTE)}</p>',
        _simple((ed.STATS_ITEM, ed.STATS_VALUE), summary),
        f"<h3>{escape(ed.MONTHLY_HEADING)}</h3>",
        f"<figure>{chart_svg(stats.received_per_month(), stats.answered_by_month)}</figure>",
        _simple(columns, body),
        f"<h3>{escape(ed.OLDEST_OPEN_HEADING)}</h3>",
        _simple(ed.OLDEST_OPEN_COLUMNS, oldest) if oldest else f"<p>{escape(ed.NONE_OPEN)}</p>",
        "</section>",
    ]


def render_html(report: AnnualReport) -> str:
    """The whole report as one HTML page."""
    tables = dict(lay.grids(report))
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title>",
        f"<style>\n{CSS}\n</style></head>",
        "<body>",
        f"<h1>{escape(report.title)}</h1>",
    ]
    for key, title in lay.iter_sections(report):
        out.append(f"<h2>{escape(title)}</h2>")
        if key in tables:
            out.append(grid_html(tables[key]))
        else:
            out += _narrative(report.narrative.section(key))
    signature = "<br>".join(escape(line) for line in lay.signature(report))
    out.append(f'<p class="signature">{signature}</p>')
    out += _stats(report)
    if report.as_of is not None:
        out.append(f"<footer>{escape(lay.as_of_line(report))}</footer>")
    if report.log_head is not None:
        out.append(f"<footer>{escape(lay.head_line(report))}</footer>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
