"""Signing in and out, and the language switch.

The sign-in form is the only page open to anyone. Its answer is the same for an unknown
name, a wrong password and a disabled user; after too many failures the name and
address must wait (``security.Throttle``). The password is never logged nor kept.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ledger import accounts
from ledger.i18n import LANGUAGES, _, speaking
from ledger.web.security import new_token, token_matches
from ledger.web.site import Web, now, refused_csrf, render, session_language

log = structlog.get_logger("ledger.web")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/"
    return target


async def login_page(request: Request) -> Response:
    """The sign-in form."""
    web: Web = request.app.state.web
    with speaking(session_language(request, web)):
        return render(web, request, "login.html", user=None, error=None, username="",
                      next=safe_next(request.query_params.get("next")))  # fmt: skip


async def login(request: Request) -> Response:
    """Check the password; a new session (new token) for the user, or the form again."""
    web: Web = request.app.state.web
    form = await request.form()
    if not token_matches(request.session.get("csrf"), form.get("csrf")):
        return refused_csrf()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    address = request.client.host if request.client else "-"
    return await run_in_threadpool(_login, request, web, username, password, target, address)


def _login(
    request: Request, web: Web, username: str, password: str, target: str, address: str
) -> Response:
    with speaking(session_language(request, web)):
        wait = web.throttle.wait(username, address)
        if wait:
            log.warning("sign-in throttled", username=username, address=address)
            error = _("too many failed sign-ins; try again in {seconds} seconds").format(
                seconds=wait
            )
            return render(web, request, "login.html", 429, user=None, error=error,
                          username=username, next=target)  # fmt: skip
        user = accounts.authenticate(web.ledger.db, username, password)
        if user is None:
            web.throttle.failed(username, address)
            log.warning("sign-in failed", username=username, address=address)
            return render(web, request, "login.html", 401, user=None,
                          error=_("wrong user name or password"), username=username,
                          next=target)  # fmt: skip
        web.throttle.succeeded(username, address)
        log.info("signed in", username=user.username, role=user.role, address=address)
        lang = request.session.get("lang")
        request.session.clear()
        request.session.update(user=user.username, since=now(), csrf=new_token())
        if lang:
            request.session["lang"] = lang
        return RedirectResponse(target, 303)


async def logout(request: Request) -> Response:
    """End the session (a POST with the token, so no other site can sign anyone out)."""
    form = await request.form()
    if not token_matches(request.session.get("csrf"), form.get("csrf")):
        return refused_csrf()
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/login", 303)


async def switch_language(request: Request) -> Response:
    """Speak the language asked for in this session, and go back to the page."""
    chosen = request.query_params.get("to")
    if chosen in LANGUAGES:
        request.session["lang"] = chosen
    return RedirectResponse(safe_next(request.query_params.get("next")), 303)
