"""用户与设置: the admin's page — users (as ``ledger user``) and the agencies' names.

The same functions as ``ledger user add|disable|passwd|set`` (``ledger.accounts``) and
``ledger agency add`` (``commands/agencies.register_agency``, recorded in the log with
the admin as actor), with the same refusals, shown on the page in one sentence; nothing
is changed when refused. The configuration file is shown, not edited: see
docs/web.md ("Settings") for why.
"""

from __future__ import annotations

import re

from starlette.responses import RedirectResponse, Response

from ledger import accounts
from ledger.commands.agencies import LEVELS, register_agency, registered
from ledger.errors import InvalidInput, LedgerError
from ledger.i18n import _
from ledger.web.pages import agency_levels, agency_names
from ledger.web.security import new_token
from ledger.web.site import Visit, now, page

_SPLIT = re.compile(r"[\s,，、]+")


def _agencies(text: str) -> list[str]:
    """The agency codes typed in one field (commas or spaces between them)."""
    return [code for code in _SPLIT.split(text) if code]


def _users_page(visit: Visit, *, error: str = "", where: str = "", status: int = 200) -> Response:
    settings = visit.web.ledger.config.web
    return visit.render(
        "users.html", status, people=accounts.list_users(visit.web.ledger.db),
        roles=accounts.ROLES, names=agency_names(visit), levels=agency_levels(visit),
        level_choices=LEVELS, web_settings=settings, error=error, where=where,
        settings_editable=visit.user.may(accounts.SETTINGS),
        min_password=accounts.PASSWORD_MIN,
    )  # fmt: skip


def _done(visit: Visit, line: str) -> Response:
    visit.flash(line)
    return RedirectResponse("/users", 303)


@page(accounts.USERS)
def users(visit: Visit) -> Response:
    """The users with their roles and agencies, the forms that change them, the agencies."""
    return _users_page(visit)


def _password(visit: Visit) -> str:
    """The new password, typed twice (as ``ledger user`` asks at a terminal)."""
    password = visit.form.get("password", "")
    if password != visit.form.get("again", ""):
        raise InvalidInput(_("password: the two entries differ; type the same password twice"))
    return password


@page(accounts.USERS)
def add(visit: Visit) -> Response:
    """``ledger user add`` from the page."""
    form = visit.form
    try:
        made = accounts.add_user(
            visit.web.ledger.db, form.get("username", "").strip(), _password(visit),
            form.get("role", ""), _agencies(form.get("agencies", "")),
            personal=bool(form.get("personal")),
        )  # fmt: skip
    except LedgerError as refused:
        return _users_page(visit, error=refused.message, where="add", status=400)
    return _done(visit, _("user {name} added: {role} of {agencies}").format(
        name=made.username, role=accounts.role_name(made.role),
        agencies=", ".join(made.agencies)))  # fmt: skip


@page(accounts.USERS)
def change(visit: Visit) -> Response:
    """``ledger user set``, ``disable`` or ``passwd`` on one user, by the button pressed."""
    name = visit.request.path_params["username"]
    form = visit.form
    db = visit.web.ledger.db
    action = form.get("action", "")
    try:
        if action == "disable":
            accounts.disable_user(db, name)
            line = _("user {name} disabled").format(name=name)
        elif action == "password":
            accounts.get_user(db, name)
            changed = accounts.set_password(db, name, _password(visit))
            if changed.username == visit.user.username:
                _keep_signed_in(visit)
            line = _("user {name}: password changed").format(name=name)
        elif action == "set":
            made = accounts.change_user(db, name, role=form.get("role") or None,
                                        agencies=_agencies(form.get("agencies", "")) or None,
                                        personal=bool(form.get("personal")))  # fmt: skip
            line = _("user {name}: {role} of {agencies}").format(
                name=made.username, role=accounts.role_name(made.role),
                agencies=", ".join(made.agencies))  # fmt: skip
        else:
            raise InvalidInput(_("no such change"))
    except LedgerError as refused:
        return _users_page(visit, error=refused.message, where=name, status=400)
    return _done(visit, line)


def _keep_signed_in(visit: Visit) -> None:
    """An admin who gives themself a new password stays signed in here: this session is
    issued again, begun after the change (with a new form token), while their other
    sessions, begun before it, end as every session of a changed password does."""
    visit.session["since"] = now()
    visit.session["csrf"] = new_token()


@page(accounts.SETTINGS)
def agency(visit: Visit) -> Response:
    """``ledger agency add`` from the page: register an agency or rename one (its local
    labels kept), recorded in the log with the admin as actor."""
    form = visit.form
    code = form.get("code", "").strip()
    desk = visit.ledger.office(actor=visit.user.username,
                               command_id=form.get("command_id") or None)  # fmt: skip
    try:
        labels = _labels_of(visit, code)
        done = register_agency(desk, code, form.get("name", ""), labels,
                               form.get("level") or "department")  # fmt: skip
    except LedgerError as refused:
        return _users_page(visit, error=refused.message, where="agency", status=400)
    return _done(visit, _("agency {code}: {name}").format(code=done.code, name=done.name))


def _labels_of(visit: Visit, code: str) -> dict[str, str]:
    """The local labels an agency has now (a rename keeps them)."""
    from ledger.projections.agencies import recorded_agencies

    if code not in registered(visit.web.ledger.store):
        return {}
    return dict(recorded_agencies(visit.web.ledger.store).get(code, ("", {}))[1])
