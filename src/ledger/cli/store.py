"""Commands on the log itself: create the schema, check the chain, show and import events."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from ledger.cli._common import State, app_of, common_options
from ledger.dates import parse_date
from ledger.db import create_engine, describe, resolve_url
from ledger.errors import IntegrityFailure, InvalidInput
from ledger.events import codec
from ledger.events.migrate import upgrade
from ledger.events.store import ANY, NewEvent, StoredEvent, StreamAppend
from ledger.events.types import parse_event


@click.command()
@common_options
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database schema, or upgrade it to this version of ledger.

    Safe to run again: an up-to-date database is left as it is.
    """
    state = ctx.ensure_object(State)
    engine = create_engine(resolve_url(state.db))
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    where = describe(engine)
    if before == after:
        click.echo(f"{where}: schema is up to date (revision {after})")
    else:
        click.echo(f"{where}: schema {before or 'created'} -> revision {after}")


@click.command()
@common_options
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Walk the whole hash chain and check every event against the one before it.

    Prints the number of events verified, or the first position that does not match
    (exit status 4). Then re-derives every recorded due date from the events before it
    and the calendar as then recorded, and fails if any disagrees.
    """
    from ledger.projections.audit import audit_deadlines

    store = app_of(ctx).store
    check = store.verify_chain()
    if check.broken_at is not None:
        raise IntegrityFailure(
            f"position {check.broken_at}: {check.reason} "
            f"({check.verified} events before it verified)"
        )
    click.echo(f"{check.verified} events verified; the hash chain is intact")
    audit = audit_deadlines(store)
    if audit.mismatches:
        raise IntegrityFailure(
            f"{len(audit.mismatches)} recorded deadlines disagree with the log: "
            + "; ".join(audit.mismatches[:5])
        )
    click.echo(f"{audit.checked} recorded deadlines re-derived; all agree")


@click.command("log")
@click.option("--stream", help="Only this stream (e.g. request-default-2020-0001).")
@click.option("--since", type=int, default=0, help="Only events after this position.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@common_options
@click.pass_context
def log_(ctx: click.Context, stream: str | None, since: int, fmt: str) -> None:
    """Show the raw events, in global order, for auditors.

    \b
    Examples:
      ledger log --since 100
      ledger log --stream request-default-2020-0001 --format json
    """
    store = app_of(ctx).store
    events: Iterable[StoredEvent] = (
        (e for e in store.read_stream(stream) if e.position > since)
        if stream
        else store.read_all(since)
    )
    for stored in events:
        click.echo(_json_line(stored) if fmt == "json" else _text_line(stored))


def _text_line(e: StoredEvent) -> str:
    """One event on one line for a person."""
    when = e.recorded_at.isoformat(timespec="seconds")
    return (
        f"{e.position:>7}  {when}Z  {e.effective_date}  {e.stream_id} v{e.version}  "
        f"{e.type}  {codec.dumps(e.data)}  by {e.actor}"
    )


def _json_line(e: StoredEvent) -> str:
    """One event as a JSON line with every stored field."""
    return codec.dumps(
        {
            "position": e.position,
            "stream_id": e.stream_id,
            "version": e.version,
            "type": e.type,
            "schema_version": e.schema_version,
            "data": e.data,
            "effective_date": e.effective_date.isoformat(),
            "recorded_at": e.recorded_at.isoformat(timespec="microseconds"),
            "actor": e.actor,
            "agency": e.agency,
            "command_id": e.command_id,
            "hash": e.hash,
        }
    )


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--agency", help="Agency recorded with the events (default: from config).")
@common_options
@click.pass_context
def import_(ctx: click.Context, file: Path, agency: str | None) -> None:
    """Append events from a JSON-lines file, all or nothing.

    Each line: {"stream": S, "type": T, "data": {...}, "effective_date": "YYYY-MM-DD"}.
    Every line is validated before anything is written; events for a stream are appended
    after its current last version. This is for bringing history from another system;
    day-to-day steps go through `ledger record`, which checks the Regulation's rules.
    """
    app = app_of(ctx)
    batches = _read_import(file)
    result = app.store.append_many(batches, actor=app.actor, agency=agency or app.config.agency)
    click.echo(f"imported {len(result.events)} events (last position {result.last_position})")


def _read_import(file: Path) -> list[StreamAppend]:
    """Parse and validate every line of an import file before anything is written."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"FILE: cannot read {file}: {exc}") from None
    streams: dict[str, list[NewEvent]] = {}
    for number, line in enumerate(lines, start=1):
        if line.strip():
            stream, new = _import_line(line, f"{file}:{number}")
            streams.setdefault(stream, []).append(new)
    return [StreamAppend(s, events, expected_version=ANY) for s, events in streams.items()]


def _import_line(line: str, where: str) -> tuple[str, NewEvent]:
    """One validated line of an import file."""
    try:
        item: Any = codec.loads(line)
    except ValueError:
        raise InvalidInput(f"{where}: not a JSON object") from None
    if not isinstance(item, dict) or not {"stream", "type", "data", "effective_date"} <= set(item):
        raise InvalidInput(f"{where}: needs the keys stream, type, data and effective_date")
    try:
        event = parse_event(str(item["type"]), item["data"])
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None
    effective = parse_date(str(item["effective_date"]), f"{where}: effective_date")
    return str(item["stream"]), NewEvent(event, effective)
