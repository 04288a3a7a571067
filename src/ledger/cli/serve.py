"""`ledger serve`: the web pages, served by uvicorn (docs/web.md)."""

from __future__ import annotations

import click

from ledger.cli._common import app_of, common_options


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port."
)
@common_options
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web pages: today's work, requests, the desk's forms, annual reports.

    Every page needs a user signed in; create the first with `ledger user add NAME
    --role admin --agency '*'`. Behind a reverse proxy that serves HTTPS, set
    secure_cookies = true under [web] in the configuration file (docs/deployment.md).

    \b
    Examples:
      ledger serve
      ledger serve --host 0.0.0.0 --port 8080
    """
    from ledger.web import serve as run

    run(app_of(ctx), host, port)
