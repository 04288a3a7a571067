"""The ``ledger`` command: a thin layer that parses, calls and prints.

Every refusal is a ``LedgerError``: printed as one line on standard error with a
non-zero exit status, never as a traceback.
"""

from __future__ import annotations

import sys
from importlib import import_module

import click
from sqlalchemy.exc import SQLAlchemyError

from ledger.cli._common import State
from ledger.errors import LedgerError
from ledger.logging import configure_logging


class LazyGroup(click.Group):
    """The root group: loads a command's module only when that command runs.

    A desk command should not pay for importing the report renderers or the demo.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = where.split(":")
        command: click.Command = getattr(import_module(f"ledger.cli.{module}"), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="LEDGER_DB", help="Database URL or SQLite file path.")
@click.option("--config", "config", help="Configuration file (default: $LEDGER_CONFIG).")
@click.option(
    "--log-format",
    type=click.Choice(["auto", "console", "json"]),
    default="auto",
    show_default=True,
    help="Logs on standard error: readable at a terminal, JSON lines otherwise.",
)
@click.version_option(package_name="ledger")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config: str | None, log_format: str) -> None:
    """ledger: the books of an agency's government-information disclosure requests.

    Every step of a request is recorded as an immutable event; deadlines, alerts and the
    annual report tables are computed from the log.
    """
    configure_logging(log_format)
    state = ctx.ensure_object(State)
    state.db, state.config = db, config
    ctx.call_on_close(state.close)


COMMANDS: dict[str, str] = {
    "init": "store:init",
    "verify": "store:verify",
    "log": "store:log_",
    "import": "store:import_",
    "export": "register:export",
    "backup": "backup:backup_",
    "restore": "backup:restore_",
    "record": "record:record",
    "show": "requests:show",
    "list": "requests:list_",
    "calendar": "calendar:calendar",
    "report": "report:report",
    "close-year": "report:close_year_",
    "agency": "agency:agency",
    "applicant": "applicant:applicant",
    "demo": "demo:demo",
    "alerts": "alerts:alerts",
    "remind": "alerts:remind_",
    "scheduler": "alerts:scheduler",
}
"""Command name → "module:attribute" under ledger.cli, imported only when used."""


def main() -> None:
    """Entry point: run the CLI and turn refusals into one line and an exit status."""
    try:
        cli.main(standalone_mode=False, prog_name="ledger")
    except LedgerError as exc:
        click.echo(f"ledger: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("ledger: aborted", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "ledger"
        message = " ".join(exc.format_message().split())
        click.echo(f"{where}: {message} (see --help)", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"ledger: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except SQLAlchemyError as exc:
        lines = str(getattr(exc, "orig", exc)).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        click.echo(f"ledger: database error: {reason}", err=True)
        sys.exit(3)
