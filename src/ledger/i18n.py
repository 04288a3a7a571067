"""The language ledger speaks to people: Chinese by default, English on request.

Messages are written in English in the code and looked up, when shown, in the gettext
catalog shipped with the package (``ledger/locale/zh_CN/LC_MESSAGES/ledger.mo``); only
the standard library is needed at run time. English is chosen with ``--lang en``,
``LEDGER_LANG=en`` or ``lang = "en"`` in the configuration file. Messages with values in
them use named placeholders, ``_("{request}: decided {outcome}").format(...)``, so a
translation may put them in another order.

Not everything is a message: logs stay English JSON for machines (structlog events are
never translated), and official labels (table rows, 予以公开 …) are printed character for
character as the formats have them, never through the catalog.

click's own messages ("Usage:", "Missing option" …) go through the standard library's
``gettext.gettext``, i.e. the process's text domain and the ``LANGUAGE`` variable;
``set_language`` points both at this catalog. How to add and translate messages:
docs/translating.md.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = [
    "CLICK_VARIABLE_MESSAGES",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "language",
    "ngettext",
    "parse_language",
    "set_language",
    "speaking",
]

DOMAIN = "ledger"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")
"""The languages ledger speaks: the first is the default."""
DEFAULT_LANGUAGE = LANGUAGES[0]
_CATALOGS = {"zh": "zh_CN"}
"""Language → the catalog folder under LOCALE_DIR (English is the code itself)."""


class _Current:
    """The language chosen for this process and its catalog."""

    language = DEFAULT_LANGUAGE
    catalog: _gettext.NullTranslations = _gettext.NullTranslations()


def parse_language(value: object) -> str | None:
    """``zh`` or ``en`` (any case) → that language; anything else → None."""
    lang = value.strip().lower() if isinstance(value, str) else None
    return lang if lang in LANGUAGES else None


def set_language(lang: str) -> None:
    """Speak ``lang`` from now on: our messages and click's."""
    folder = _CATALOGS.get(lang)
    _Current.language = lang
    _Current.catalog = (
        _gettext.translation(DOMAIN, LOCALE_DIR, languages=[folder], fallback=True)
        if folder
        else _gettext.NullTranslations()
    )
    # click calls the module-level gettext.gettext: the text domain and LANGUAGE pick
    # the catalog it reads (GNU gettext's own rule), so both point at ours.
    _gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    _gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = folder or lang


_SPOKEN: ContextVar[tuple[str, _gettext.NullTranslations] | None] = ContextVar(
    "ledger_language", default=None
)
"""The language of one web request (``speaking``), over the process's (``set_language``)."""


def _catalog_of(lang: str) -> _gettext.NullTranslations:
    folder = _CATALOGS.get(lang)
    if folder is None:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[folder], fallback=True)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak ``lang`` in this context only (one web request among others served at once)."""
    token = _SPOKEN.set((lang, _catalog_of(lang)))
    try:
        yield
    finally:
        _SPOKEN.reset(token)


def _current() -> tuple[str, _gettext.NullTranslations]:
    spoken = _SPOKEN.get()
    return spoken if spoken is not None else (_Current.language, _Current.catalog)


def language() -> str:
    """The language being spoken (``zh`` or ``en``)."""
    return _current()[0]


def _(message: str) -> str:
    """``message`` in the current language (the English itself when it has no translation)."""
    return _current()[1].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return _current()[1].ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for the catalog where it is defined; translate it with ``_`` when shown."""
    return message


CLICK_VARIABLE_MESSAGES = (N_("required"),)
"""click's messages it translates through a variable (``_(extra["required"])``), which
extraction from click's source cannot see: named here so the catalog holds them."""
