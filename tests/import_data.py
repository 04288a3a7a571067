"""A generated JSON-lines history for ``ledger import`` (the batches test and bench).

Each request is received in person on a working day and decided a few days later; the
dates fall in the month before ``today`` so no line needs ``--backdated``.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

OUTCOMES = ("予以公开", "部分公开", "本机关不掌握相关政府信息")


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def history_lines(requests: int, today: date, prefix: str = "H") -> list[str]:
    """Two lines a request (receipt, decision): ``2 * requests`` lines, in date order."""
    first = today - timedelta(days=25)
    lines = []
    for n in range(requests):
        received = _weekday(first + timedelta(days=n * 10 // max(requests, 1)))
        decided = _weekday(received + timedelta(days=3))
        rid = f"{prefix}-{n:06d}"
        stream = f"request-{rid}"
        lines.append(json.dumps({
            "stream": stream, "type": "request.received", "effective_date": str(received),
            "data": {"request_id": rid, "channel": "in-person", "applicant": "natural",
                     "received_on": str(received), "submitted_on": str(received)},
        }, ensure_ascii=False))  # fmt: skip
        lines.append(json.dumps({
            "stream": stream, "type": "request.decision-issued", "effective_date": str(decided),
            "data": {"outcome": OUTCOMES[n % len(OUTCOMES)]},
        }, ensure_ascii=False))  # fmt: skip
    return lines


def write_history(path: Path, requests: int, today: date, prefix: str = "H") -> int:
    """Write the history; the number of lines written."""
    lines = history_lines(requests, today, prefix)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)
