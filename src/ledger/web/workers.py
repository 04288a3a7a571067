"""``ledger serve --workers N``: several processes answering the pages of one set of books.

One Python process answers one page at a time on one core (the pages' work is Python);
with N processes on one listening socket (uvicorn's supervisor hands it to each), N
pages are worked on at once. The supervisor starts each worker afresh (``spawn``), so a
worker cannot be handed the ``App`` the command built: it builds its own, from the same
configuration, which ``ledger serve`` writes into the environment the workers inherit
(:data:`WORKER_ENV`): the database given, the configuration file, the actor, the
language and the log format. Everything else a worker needs is already shared where it
lives: the session key (the environment or ``[web] secret_file``, made once by ``ledger
serve`` before any worker starts), the failed sign-ins (the ``login_failures`` table),
"today" and the chain key (their environment variables).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass

from starlette.applications import Starlette

from ledger.bootstrap import bootstrap
from ledger.i18n import set_language
from ledger.logging import configure_logging

WORKER_ENV = "LEDGER_SERVE_WORKER"
"""Where ``ledger serve`` leaves the workers' configuration (JSON of :class:`Books`)."""

WORKER_APP = "ledger.web.workers:worker_app"
"""The factory each worker calls, as uvicorn imports it."""


@dataclass(frozen=True)
class Books:
    """What a worker opens: as ``ledger serve`` was given it (None: the same default)."""

    db: str | None
    config: str | None
    actor: str | None
    lang: str
    log_format: str = "auto"

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> Books:
        given = os.environ.get(WORKER_ENV)
        if not given:
            raise RuntimeError(f"{WORKER_ENV} is not set: workers are started by ledger serve")
        return cls(**json.loads(given))


def worker_app() -> Starlette:
    """One worker's web application on its own connection to the books, closed when the
    worker stops."""
    from ledger.web.app import create_app

    books = Books.from_env()
    configure_logging(books.log_format)
    set_language(books.lang)
    app = bootstrap(books.db, books.config, actor=books.actor, create=False)

    @asynccontextmanager
    async def lifespan(_site: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            app.close()

    return create_app(app, lang=books.lang, lifespan=lifespan)
