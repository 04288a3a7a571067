"""`ledger serve`: the web pages, served by uvicorn (docs/web.md)."""

from __future__ import annotations

import click

from ledger.cli._common import State, app_of, common_options


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes answering pages at once: give the number of CPU cores when many "
    "people use the pages (each worker opens its own database connections).",
)
@common_options
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """Serve the web pages: today's work, requests, the desk's forms, annual reports.

    Every page needs a user signed in; create the first with `ledger user add NAME
    --role admin --agency '*'`. Behind a reverse proxy that serves HTTPS, set
    secure_cookies = true under [web] in the configuration file (docs/deployment.md).
    One process answers one page at a time; --workers N starts N processes on the same
    port and books (docs/web.md).

    \b
    Examples:
      ledger serve
      ledger serve --host 0.0.0.0 --port 8080
      ledger serve --workers 2
    """
    from ledger.i18n import language
    from ledger.web import serve as run
    from ledger.web import serve_workers
    from ledger.web.security import session_secret
    from ledger.web.workers import Books

    app = app_of(ctx)  # the books open (or the refusal) before any worker starts
    if workers == 1:
        run(app, host, port)
        return
    session_secret(app.config)  # made here once, so every worker reads the same key
    state = ctx.ensure_object(State)
    state.close()
    log_format = str(ctx.find_root().params.get("log_format") or "auto")
    books = Books(state.db, state.config, state.actor, language(), log_format)
    serve_workers(books, host, port, workers)
