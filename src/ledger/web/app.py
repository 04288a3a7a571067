"""The web application: ``create_app(app)`` builds it on the books ``bootstrap`` opened.

The same books, use cases and language catalog as the CLI, behind a sign-in. Tests run
it in the process (Starlette's TestClient) or in a real uvicorn on loopback; ``ledger
serve`` starts uvicorn itself (:func:`serve`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ledger import accounts
from ledger.bootstrap import App
from ledger.codes import NOTICE_KINDS
from ledger.errors import NotFound
from ledger.i18n import _, language
from ledger.notices.issue import NoticeOrder, issue_notice
from ledger.web import admin, auth, desk, pages, reports
from ledger.web.pages import my_request
from ledger.web.security import SecurityHeaders, Throttle, session_secret
from ledger.web.site import Visit, Web, environment, page

if TYPE_CHECKING:
    from ledger.web.workers import Books

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "ledger_session"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@page()
def notice_file(visit: Visit) -> Response:
    """A notice of the request as a Word file. A GET gives the letter as the request's
    events write it now, recording nothing; a POST writes it and records it as issued
    (``request.notice-issued``, with the user as actor), as ``ledger notice`` does: once
    per the command id its button carries (made when the page was shown), so a double
    click or a repeated post gives the same letter and records it once."""
    request_id = visit.request.path_params["request_id"]
    kind = visit.request.path_params["kind"]
    if kind not in NOTICE_KINDS.codes:
        raise NotFound(_("no such page"))
    row = my_request(visit, request_id).row
    record = visit.request.method == "POST"
    if record and not visit.user.may(accounts.RECORD):
        return visit.render("error.html", 403, message=_("your role may not do this"))
    items = tuple(i for i in visit.form.get("items", "").splitlines() if i.strip())
    order = NoticeOrder(request_id, kind, "docx", items, visit.form.get("party") or None,
                        row.agency, record)  # fmt: skip
    command_id = desk.command_id_of(visit.form) if record else None
    issued = issue_notice(visit.ledger, order, visit.ledger.desk(row.agency, command_id=command_id))
    name = f"{request_id}-{kind}.docx"
    return Response(issued.content, media_type=DOCX,
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip


async def home(_request: object) -> Response:
    return RedirectResponse("/today", 303)


ROUTES = [
    Route("/", home),
    Route("/login", auth.login_page, methods=["GET"]),
    Route("/login", auth.login, methods=["POST"]),
    Route("/logout", auth.logout, methods=["POST"]),
    Route("/lang", auth.switch_language),
    Route("/today", pages.dashboard),
    Route("/requests", pages.request_list),
    Route("/receive", desk.receipt, methods=["GET", "POST"]),
    Route("/requests/{request_id}", pages.request_detail),
    Route("/requests/{request_id}/applicant", pages.applicant_data, methods=["POST"]),
    Route("/requests/{request_id}/step/{step}", desk.step_form, methods=["GET", "POST"]),
    Route("/requests/{request_id}/notices/{kind}.docx", notice_file, methods=["GET", "POST"]),
    Route("/reports", reports.report_page),
    Route("/reports/{year}.{fmt}", reports.report_file),
    Route("/reports/{year}/close", reports.close, methods=["POST"]),
    Route("/government", pages.government),
    Route("/users", admin.users),
    Route("/users/add", admin.add, methods=["POST"]),
    Route("/users/{username}", admin.change, methods=["POST"]),
    Route("/settings/agency", admin.agency, methods=["POST"]),
    Route("/verify", pages.verify, methods=["GET", "POST"]),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def create_app(
    app: App, *, secret: str | None = None, lang: str | None = None,
    lifespan: Lifespan | None = None,
) -> Starlette:  # fmt: skip
    """The web application on ``app``'s books (its store, configuration and clock).

    ``secret`` signs the session cookies (default: ``security.session_secret``); ``lang``
    is the pages' language until a user switches (default: the process's, which ``ledger
    serve`` chose from --lang, $LEDGER_LANG or the configuration); ``lifespan`` runs
    around the serving (a worker closes its books after it).
    """
    settings = app.config.web
    web = Web(
        ledger=app,
        templates=environment(),
        throttle=Throttle(app.db, settings.login_attempts, settings.login_wait),
        session_seconds=settings.session_minutes * 60,
        default_language=lang or language(),
    )
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secret or session_secret(app.config),
            session_cookie=SESSION_COOKIE,
            max_age=web.session_seconds,
            same_site="lax",
            https_only=settings.secure_cookies,
        ),
    ]
    site = Starlette(routes=ROUTES, middleware=middleware, lifespan=lifespan)
    site.state.web = web
    return site


def serve(app: App, host: str, port: int) -> None:
    """Run the pages in this process in uvicorn until stopped (Ctrl-C, SIGTERM)."""
    import uvicorn

    uvicorn.run(create_app(app), host=host, port=port, log_level="info",
                proxy_headers=True, server_header=False)  # fmt: skip


def serve_workers(books: Books, host: str, port: int, workers: int) -> None:
    """Run the pages in ``workers`` processes on one socket until stopped (Ctrl-C,
    SIGTERM: each worker finishes the pages it is answering, then the supervisor ends).

    Each worker builds its own application from ``books`` (``ledger.web.workers``).
    """
    import os

    import uvicorn

    from ledger.web.workers import WORKER_APP, WORKER_ENV

    os.environ[WORKER_ENV] = books.to_env()
    uvicorn.run(WORKER_APP, factory=True, workers=workers, host=host, port=port,
                log_level="info", proxy_headers=True, server_header=False)  # fmt: skip
