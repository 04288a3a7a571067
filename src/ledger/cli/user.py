"""`ledger user add|list|disable|passwd|set`: the people who sign in to the web pages."""

from __future__ import annotations

import sys

import click

from ledger import accounts
from ledger.cli._common import app_of, common_options
from ledger.errors import InvalidInput
from ledger.events import codec
from ledger.i18n import _


def _password(from_stdin: bool) -> str:
    """The new password: one line of standard input, else typed twice at a prompt.

    Never an argument, which other users of the machine could read in ``ps``.
    """
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput(_("--password-stdin: standard input held no password"))
        return line
    if not sys.stdin.isatty():
        raise InvalidInput(
            _("password: no terminal to ask at; give --password-stdin and pipe it in")
        )
    typed: str = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    return typed


password_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from one line of standard input."
)


@click.group()
def user() -> None:
    """The users of the web pages (`ledger serve`), their roles and agencies.

    Roles: clerk (records steps for their agencies, corrects their own), head (also
    approves extensions, corrects any step, closes years), auditor (reads and verifies;
    personal data only with --personal), admin (users, agencies' names). See docs/web.md.

    \b
    Examples:
      ledger user add wang --role admin --agency '*'
      ledger user add li --role clerk --agency zjj
      echo "$PASSWORD" | ledger user passwd li --password-stdin
      ledger user set li --role head
    """


@user.command()
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(list(accounts.ROLES)),
    help="clerk, head, auditor or admin.",
)
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    required=True,
    help="An agency code the user works for; repeat for several, '*' for all.",
)
@click.option(
    "--personal", is_flag=True, help="Let an auditor or admin see applicants' personal data."
)
@password_stdin
@common_options
@click.pass_context
def add(
    ctx: click.Context,
    username: str,
    role: str,
    agencies: tuple[str, ...],
    personal: bool,
    password_stdin: bool,
) -> None:
    """Add a user; the password is asked for twice (or read with --password-stdin).

    Example: ledger user add li --role clerk --agency zjj
    """
    accounts.check_username(username)
    accounts.check_agencies(agencies)
    password = _password(password_stdin)
    made = accounts.add_user(app_of(ctx).db, username, password, role, agencies, personal=personal)
    click.echo(
        _("user {name} added: {role} of {agencies}").format(
            name=made.username,
            role=accounts.role_name(made.role),
            agencies=", ".join(made.agencies),
        )
    )


@user.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@common_options
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> None:
    """List the users: name, role, agencies, personal data, disabled.

    Example: ledger user list
    """
    people = accounts.list_users(app_of(ctx).db)
    if fmt == "json":
        click.echo(codec.dumps([p.as_dict() for p in people]))
        return
    if not people:
        click.echo(_("no users yet; `ledger user add NAME --role admin --agency '*'` adds one"))
        return
    for p in people:
        flags = [f for f, on in (("personal", p.personal), ("disabled", p.disabled)) if on]
        extra = f"  ({', '.join(flags)})" if flags else ""
        click.echo(f"{p.username:<20} {p.role:<8} {','.join(p.agencies)}{extra}")


@user.command()
@click.argument("username")
@common_options
@click.pass_context
def disable(ctx: click.Context, username: str) -> None:
    """Stop a user signing in; their open sessions end at their next page.

    Example: ledger user disable li
    """
    accounts.disable_user(app_of(ctx).db, username)
    click.echo(_("user {name} disabled").format(name=username))


@user.command()
@click.argument("username")
@password_stdin
@common_options
@click.pass_context
def passwd(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Give a user a new password (and enable them again); their sessions end.

    Example: ledger user passwd li
    """
    app = app_of(ctx)
    accounts.get_user(app.db, username)
    accounts.set_password(app.db, username, _password(password_stdin))
    click.echo(_("user {name}: password changed").format(name=username))


@user.command("set")
@click.argument("username")
@click.option("--role", type=click.Choice(list(accounts.ROLES)), help="A new role.")
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    help="The agencies the user works for from now on (repeat; '*' for all).",
)
@click.option(
    "--personal/--no-personal",
    default=None,
    help="Grant or withdraw seeing applicants' personal data (auditor, admin).",
)
@common_options
@click.pass_context
def set_(
    ctx: click.Context,
    username: str,
    role: str | None,
    agencies: tuple[str, ...],
    personal: bool | None,
) -> None:
    """Change a user's role, agencies or personal-data grant; their sessions end.

    Example: ledger user set li --role head --agency zjj --agency zjb
    """
    made = accounts.change_user(app_of(ctx).db, username, role=role,
                                agencies=agencies or None, personal=personal)  # fmt: skip
    click.echo(
        _("user {name}: {role} of {agencies}").format(
            name=made.username,
            role=accounts.role_name(made.role),
            agencies=", ".join(made.agencies),
        )
    )
