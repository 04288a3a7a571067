"""The ``ledger`` command: a thin layer that parses, calls and prints.

Every refusal is a ``LedgerError``: printed as one line on standard error with a
non-zero exit status, never as a traceback. The language (Chinese unless ``--lang en``,
``LEDGER_LANG`` or the configuration file says English) is chosen before anything is
printed, help included.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from types import ModuleType
from typing import Final

import click

from ledger.cli._common import State
from ledger.configfile import configured_language
from ledger.db import database_errors
from ledger.errors import LedgerError
from ledger.helptext import HelpContext, localize
from ledger.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, parse_language, set_language
from ledger.limits import check_argv
from ledger.logging import configure_logging


class LazyGroup(click.Group):
    """The root group: loads a command's module only when that command runs.

    A desk command should not pay for importing the report renderers or the demo.
    """

    context_class = HelpContext

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Choose the language first, so that even ``--help`` and click's refusals speak it.

        Root options without a command (``ledger --lang en``) print the help, as ``ledger``
        alone does, rather than "Missing command".
        """
        values, command = self.scan(args)
        set_language(self.chosen_language(values))
        localize(self)
        rest = super().parse_args(ctx, args)
        if command is None and not ctx.resilient_parsing:
            raise click.exceptions.NoArgsIsHelpError(ctx)
        return rest

    def chosen_language(self, values: dict[str, str]) -> str:
        """--lang, else $LEDGER_LANG, else the configuration file's ``lang``, else Chinese.

        A value that is not a language is passed over here; click refuses it with --lang.
        """
        for given in (
            values.get("--lang"),
            os.environ.get("LEDGER_LANG"),
            configured_language(values.get("--config")),
        ):
            lang = parse_language(given)
            if lang is not None:
                return lang
        return DEFAULT_LANGUAGE

    def scan(self, args: Sequence[str]) -> tuple[dict[str, str], str | None]:
        """The root options' values in ``args`` and the command word, before click parses."""
        options = [p for p in self.params if isinstance(p, click.Option) and not p.is_flag]
        takes_value = {opt for p in options for opt in p.opts}
        values: dict[str, str] = {}
        tokens = iter(args)
        for token in tokens:
            name, equals, value = token.partition("=")
            if not token.startswith("-"):
                return values, token  # the command: its options are not the root's
            if name in takes_value:
                given = value if equals else next(tokens, None)
                if given is not None:
                    values[name] = given
        return values, None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = where.split(":")
        command: click.Command = getattr(import_module(f"ledger.cli.{module}"), attribute)
        return localize(command)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="LEDGER_DB", help="Database URL or SQLite file path.")
@click.option("--config", "config", help="Configuration file (default: $LEDGER_CONFIG).")
@click.option(
    "--lang",
    envvar="LEDGER_LANG",
    type=click.Choice(LANGUAGES, case_sensitive=False),
    help="Language of messages and help: zh (Chinese) or en (English) "
    "(default: $LEDGER_LANG, else the configuration file's lang, else zh).",
)
@click.option(
    "--log-format",
    type=click.Choice(["auto", "console", "json"]),
    default="auto",
    show_default=True,
    help="Logs on standard error: readable at a terminal, JSON lines otherwise.",
)
@click.version_option(package_name="ledger")
@click.pass_context
def cli(
    ctx: click.Context, db: str | None, config: str | None, lang: str | None, log_format: str
) -> None:
    """ledger: the books of an agency's government-information disclosure requests.

    Every step of a request is recorded as an immutable event; deadlines, alerts and the
    annual report tables are computed from the log. Messages are in Chinese unless
    --lang en, $LEDGER_LANG=en or lang = "en" in the configuration file says English.

    \b
    Examples:
      ledger init
      ledger record receive --help
      ledger alerts
      ledger --lang en list
    """
    configure_logging(log_format)
    state = ctx.ensure_object(State)
    state.db, state.config = db, config
    ctx.call_on_close(state.close)


COMMANDS: dict[str, str] = {
    "init": "store:init",
    "verify": "store:verify",
    "projections": "projections:projections",
    "log": "store:log_",
    "import": "store:import_",
    "export": "register:export",
    "backup": "backup:backup_",
    "restore": "backup:restore_",
    "record": "record:record",
    "show": "requests:show",
    "notice": "notice:notice",
    "list": "requests:list_",
    "find": "requests:find",
    "calendar": "calendar:calendar",
    "report": "report:report",
    "close-year": "report:close_year_",
    "agency": "agency:agency",
    "applicant": "applicant:applicant",
    "demo": "demo:demo",
    "alerts": "alerts:alerts",
    "remind": "alerts:remind_",
    "scheduler": "alerts:scheduler",
    "serve": "serve:serve",
    "user": "user:user",
}
"""Command name → "module:attribute" under ledger.cli, imported only when used."""


NO_PYDANTIC_PLUGINS: Final = ("PYDANTIC_DISABLE_PLUGINS", "__all__")
"""ledger uses no pydantic plugins; looking for them, at the first model a command
validates, reads the metadata of every installed package (tens of milliseconds). A value
already set in the environment is kept."""

PLUGINS_OFF: Final = ("__all__", "1", "true")
"""The values of PYDANTIC_DISABLE_PLUGINS for which pydantic's loader finds no plugin."""

PLUGIN_LOADER: Final = "pydantic.plugin._loader"


def skip_plugin_loader() -> None:
    """With every plugin disabled, stand in for pydantic's plugin loader.

    Even then pydantic imports its loader when it builds the first model, and the
    loader imports ``importlib.metadata`` (with the e-mail parser and zipfile): about a
    tenth of a desk command's start-up, for nothing. In its place goes a module whose
    ``get_plugins`` gives what the loader's gives with plugins disabled: none. A loader
    already imported, or plugins not all disabled, are left alone
    (``tests/unit/test_plugin_loader.py`` holds the stand-in to pydantic's names).
    """
    if os.environ.get(NO_PYDANTIC_PLUGINS[0]) not in PLUGINS_OFF or PLUGIN_LOADER in sys.modules:
        return
    loader = ModuleType(PLUGIN_LOADER, "ledger's stand-in: every pydantic plugin is disabled.")
    loader.get_plugins = _no_plugins  # type: ignore[attr-defined]
    sys.modules[PLUGIN_LOADER] = loader


def _no_plugins() -> tuple[()]:
    """No plugin: what pydantic's ``get_plugins`` returns when they are all disabled."""
    return ()


def skip_the_last_collection() -> None:
    """Freeze the heap as the process exits, so that the collector's last pass skips it.

    As it exits, Python collects every reference cycle of the heap once more: all the
    objects the imports made, some 40 ms of CPU for a desk command, as much as the
    command's own work. Nothing of ledger's waits for that pass: the command closes its
    connections and files itself (click's context), and what the standard library ends at
    exit (logging, temporary folders) it ends through ``atexit`` too. Registered once,
    however often ``main`` runs in one process (the tests run it in theirs).
    """
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def main() -> None:
    """Entry point: run the CLI and turn refusals into one line and an exit status."""
    os.environ.setdefault(*NO_PYDANTIC_PLUGINS)
    skip_plugin_loader()
    skip_the_last_collection()
    state = State()
    try:
        check_argv(sys.argv[1:])
        cli.main(standalone_mode=False, prog_name="ledger", obj=state)
        _retry_hint(state)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        sys.exit(0)
    except LedgerError as exc:
        _fail(exc.message, exc.exit_code)
    except click.exceptions.Abort:
        _fail(_("aborted"), 1)
    except click.UsageError as exc:
        message = _("{command}: {message} (see --help)").format(
            command=exc.ctx.command_path if exc.ctx else "ledger",
            message=_one_line(exc.format_message()),
        )
        click.echo(message, err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _fail(_one_line(exc.format_message()), exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except OSError as exc:
        # An unwritable output, a folder that cannot be made, a permission refused.
        reason = exc.strerror or type(exc).__name__
        where = exc.filename if exc.filename is not None else None
        text = _("{path}: {reason}").format(path=where, reason=reason) if where else reason
        _fail(text, 1)
    except Exception as exc:
        if not isinstance(exc, _database_errors()):
            raise
        lines = str(getattr(exc, "orig", exc)).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        _retry_hint(state)
        _fail(_("database error: {reason}").format(reason=reason), 3)


def _database_errors() -> tuple[type[Exception], ...]:
    """Driver errors (and SQLAlchemy's, if a tool loaded it): printed in one line."""
    errors = database_errors()
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None:
        errors = (*errors, sqlalchemy_exc.SQLAlchemyError)
    return errors


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fail(message: str, code: int) -> None:
    """Print a refusal as the one line ``ledger: MESSAGE`` and exit with ``code``."""
    click.echo(_("ledger: {message}").format(message=message), err=True)
    sys.exit(code)


def _retry_hint(state: State) -> None:
    """Print the command id a recording command was given, when none was typed.

    After it was recorded, or when the database failed and it may have been: running
    the command again with this id then records nothing twice. A refusal recorded
    nothing, so it prints only its own line.
    """
    if state.generated_command_id is not None:
        command_id = state.generated_command_id
        hint = _("command id: {command_id}; give --command-id {command_id} to retry safely")
        click.echo(hint.format(command_id=command_id), err=True)
