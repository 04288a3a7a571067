"""What every page shares: the signed-in user, the language, templates, refusals.

A page handler is a plain function of a :class:`Visit` (who asks, in which language,
on which books, with the form they posted). :func:`page` turns it into a Starlette
endpoint that reads the form, refuses a POST without the session's CSRF token (403),
sends anyone not signed in to the sign-in page, refuses a role without the right (403),
and turns a refusal of the use cases into a page saying it in one line. Handlers run in
Starlette's thread pool: the store's connections are per thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from ledger import accounts
from ledger.accounts import User
from ledger.bootstrap import App
from ledger.codes import APPLICANTS, CHANNELS, NOTICE_KINDS, OUTCOMES
from ledger.errors import LedgerError, NotFound
from ledger.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, language, ngettext, speaking
from ledger.projections.alerts import kind_name
from ledger.projections.queries import AlertsFound, current_alerts
from ledger.projections.views import status_name
from ledger.web.security import Throttle, new_token, token_matches

TEMPLATES = Path(__file__).parent / "templates"


class NotYours(NotFound):
    """A request of an agency the user does not serve: answered as if it did not exist."""


@dataclass
class Web:
    """The web application's state: the books, the templates, the throttle."""

    ledger: App
    templates: jinja2.Environment
    throttle: Throttle
    session_seconds: int
    default_language: str = DEFAULT_LANGUAGE
    _alerts: dict[tuple[int | None, date, int], AlertsFound] = field(default_factory=dict)
    _alerts_lock: threading.Lock = field(default_factory=threading.Lock)

    def alerts(self, within: int) -> AlertsFound:
        """Every agency's alerts as of today, computed once per state of the log.

        The alerts are a fold of the whole log (``current_alerts``); the log only grows,
        so while its last position and the day stay the same the answer does too, and the
        pages of many users share one computation (one at a time: the others wait for it).
        """
        with self._alerts_lock:
            key = (self.ledger.store.last_position(), self.ledger.today(), within)
            found = self._alerts.get(key)
            if found is None:
                found = current_alerts(self.ledger, within=within)
                self._alerts.clear()
                self._alerts[key] = found
            return found

    def signed_in(self, request: Request) -> User | None:
        """The user of this session, if it is still valid: the user exists, is enabled,
        and their password has not changed since they signed in."""
        name = request.session.get("user")
        since = request.session.get("since")
        if not isinstance(name, str) or not isinstance(since, (int, float)):
            return None
        found = accounts.with_changed_at(self.ledger.db, name)
        if found is None:
            return None
        user, changed = found
        if user.disabled or changed.replace(tzinfo=UTC).timestamp() > since:
            return None
        return user


@dataclass
class Visit:
    """One request of one signed-in user: what a handler works with."""

    request: Request
    web: Web
    user: User
    form: Mapping[str, str] = field(default_factory=dict)

    @property
    def ledger(self) -> App:
        """The books, with the signed-in user as the actor of everything recorded."""
        return replace(self.web.ledger, actor=self.user.username)

    @property
    def session(self) -> dict[str, Any]:
        session: dict[str, Any] = self.request.session
        return session

    def param(self, name: str) -> str:
        """A query parameter, trimmed ('' when absent)."""
        return (self.request.query_params.get(name) or "").strip()

    def flash(self, message: str) -> None:
        """A line to show on the next page (after a redirect)."""
        self.session["flash"] = message

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        return render(self.web, self.request, template, status, user=self.user, **values)

    def check_agency(self, agency: str) -> None:
        """Refuse (as not found) what belongs to an agency this user does not serve."""
        if not self.user.serves(agency):
            raise NotYours(_("no such page"))


def render(
    web: Web, request: Request, template: str, status: int = 200, **values: Any
) -> HTMLResponse:
    """A page from its template, with what every page shows (user, language, token)."""
    session = request.session
    if "csrf" not in session:
        session["csrf"] = new_token()
    flash = session.pop("flash", None)
    body = web.templates.get_template(template).render(
        csrf=session["csrf"], lang=language(), flash=flash, path=request.url.path,
        full_path=_full_path(request), **values,
    )  # fmt: skip
    return HTMLResponse(body, status_code=status)


def _full_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def notice_name(kind: str) -> str:
    """A notice kind as the page names it: its letter's title (补正告知书), with the code in
    English pages."""
    title = NOTICE_KINDS.labels()[kind]
    return title if language() == "zh" else f"{title} ({kind})"


def environment() -> jinja2.Environment:
    """The templates, escaping every value (a subject may hold ``<script>``)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        _=_,
        ngettext=ngettext,
        channel=CHANNELS.shown,
        applicant_category=APPLICANTS.shown,
        outcome=OUTCOMES.shown,
        status_name=status_name,
        kind_name=kind_name,
        role_name=accounts.role_name,
        notice_name=notice_name,
        languages=LANGUAGES,
    )
    return env


Handler = Callable[[Visit], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def page(right: str = accounts.READ) -> Callable[[Handler], Endpoint]:
    """A page for signed-in users whose role has ``right``."""

    def wrap(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            form: dict[str, str] = {}
            if request.method == "POST":
                posted = await request.form()
                form = {k: v for k, v in posted.items() if isinstance(v, str)}
                if not token_matches(request.session.get("csrf"), form.get("csrf")):
                    return refused_csrf()
            return await run_in_threadpool(_serve, handler, request, form, right)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


def refused_csrf() -> Response:
    """The answer to a form posted without this session's token."""
    return PlainTextResponse(
        _("the form has expired or did not come from this site; open the page again"), 403
    )


def _serve(handler: Handler, request: Request, form: dict[str, str], right: str) -> Response:
    web: Web = request.app.state.web
    with speaking(session_language(request, web)):
        user = web.signed_in(request)
        if user is None:
            request.session.pop("user", None)
            target = quote(_full_path(request), safe="/?=&")
            return RedirectResponse(f"/login?next={target}", 303)
        if not user.may(right):
            return render(web, request, "error.html", 403, user=user,
                          message=_("your role may not do this"))  # fmt: skip
        visit = Visit(request, web, user, form)
        try:
            return handler(visit)
        except NotFound as missing:
            return render(web, request, "error.html", 404, user=user, message=missing.message)
        except LedgerError as refusal:
            return render(web, request, "error.html", 400, user=user, message=refusal.message)


def session_language(request: Request, web: Web) -> str:
    """The language chosen in this session, else the server's."""
    chosen = request.session.get("lang")
    return chosen if chosen in LANGUAGES else web.default_language


def now() -> float:
    """Seconds since the epoch: when a session began."""
    return time.time()
