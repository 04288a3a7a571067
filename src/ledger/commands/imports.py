"""Importing history from another system: JSON lines of events, appended all or nothing.

Every line is validated before anything is written; events for a stream go after its
current last version. Day-to-day steps go through the desk commands instead, which
check the Regulation's rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ledger.commands._context import Desk
from ledger.dates import parse_date
from ledger.errors import InvalidInput
from ledger.events import codec
from ledger.events.store import ANY, AppendResult, NewEvent, StreamAppend
from ledger.events.types import parse_event

IMPORT_KEYS = frozenset({"stream", "type", "data", "effective_date"})


def import_lines(desk: Desk, lines: Iterable[str], source: str) -> AppendResult:
    """Append the events of JSON lines (``source`` names them in refusals), as the desk's
    actor and agency; nothing is written unless every line is valid."""
    batches = parse_import(lines, source)
    return desk.store.append_many(batches, actor=desk.actor, agency=desk.agency)


def import_file(desk: Desk, file: Path) -> AppendResult:
    """Append the events of a JSON-lines file (see :func:`import_lines`)."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"FILE: cannot read {file}: {exc}") from None
    return import_lines(desk, lines, str(file))


def parse_import(lines: Iterable[str], source: str) -> list[StreamAppend]:
    """Parse and validate every line before anything is written, one batch per stream."""
    streams: dict[str, list[NewEvent]] = {}
    for number, line in enumerate(lines, start=1):
        if line.strip():
            stream, new = _import_line(line, f"{source}:{number}")
            streams.setdefault(stream, []).append(new)
    return [StreamAppend(s, events, expected_version=ANY) for s, events in streams.items()]


def _import_line(line: str, where: str) -> tuple[str, NewEvent]:
    """One validated line of an import."""
    try:
        item: Any = codec.loads(line)
    except ValueError:
        raise InvalidInput(f"{where}: not a JSON object") from None
    if not isinstance(item, dict) or not set(item) >= IMPORT_KEYS:
        raise InvalidInput(f"{where}: needs the keys stream, type, data and effective_date")
    try:
        event = parse_event(str(item["type"]), item["data"])
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None
    effective = parse_date(str(item["effective_date"]), f"{where}: effective_date")
    return str(item["stream"]), NewEvent(event, effective)
