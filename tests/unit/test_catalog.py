"""The message catalog: every message in the code is translated, placeholders intact, .mo current."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import click
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import ledger
from ledger.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "ledger.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([a-z_]+\)[sd]")

Key = str | tuple[str, ...]


@cache
def extracted() -> dict[Key, int]:
    """What `pybabel extract -F babel.cfg src/ledger CLICK` finds: msgid → line (docs/translating.md)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[Key, int] = {}
    for folder in (Path(ledger.__file__).parent, Path(click.__file__).parent):
        for _file, line, message, _comments, _context in extract_from_dir(
            folder, method_map, options_map
        ):
            found.setdefault(message if isinstance(message, str) else tuple(message), line)
    return found


def catalog() -> Catalog:
    with PO.open("rb") as po:
        return read_po(po, locale="zh_CN", domain="ledger")


def _key(message: Message) -> Key:
    return message.id if isinstance(message.id, str) else tuple(message.id)


def untranslated(code: dict[Key, int], translations: Catalog) -> list[Key]:
    """Messages of the code with no translation (missing, empty or fuzzy)."""
    done = {
        _key(m)
        for m in translations
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    return sorted((k for k in code if k not in done), key=str)


def dropped_placeholders(translations: Catalog) -> list[str]:
    """Translations missing a placeholder of their message (the general, plural form)."""
    problems = []
    for m in translations:
        if not m.id:
            continue
        source = m.id if isinstance(m.id, str) else m.id[-1]
        wanted = set(PLACEHOLDER.findall(source))
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        problems += [
            f"{source!r} -> {form!r}: {sorted(wanted - set(PLACEHOLDER.findall(form)))}"
            for form in forms
            if form and wanted - set(PLACEHOLDER.findall(form))
        ]
    return problems


def test_every_message_in_the_code_has_a_translation() -> None:
    """A message added to the code (ours or click's) without a Chinese translation fails here."""
    assert untranslated(extracted(), catalog()) == []


def test_the_catalog_holds_no_message_the_code_no_longer_has() -> None:
    """Translations of removed messages are dropped (`pybabel update` marks them obsolete)."""
    code = extracted()
    assert sorted((k for k in map(_key, catalog()) if k and k not in code), key=str) == []


def test_every_translation_keeps_every_placeholder() -> None:
    """A translation that drops or misspells a {name} of its message fails here."""
    assert dropped_placeholders(catalog()) == []


def test_the_checks_catch_a_missing_translation_and_a_dropped_placeholder() -> None:
    """The checks above fail for a new message and for a translation that lost a placeholder."""
    broken = Catalog(locale="zh_CN")
    broken.add("request {request} is due {when}", "申请 {request} 到期")
    broken.add(("{n} working day", "{n} working days"), ("{n} 个工作日",))
    code = {"request {request} is due {when}": 1, "a new message": 2}
    assert untranslated(code, broken) == ["a new message"]
    assert dropped_placeholders(broken) == [
        "'request {request} is due {when}' -> '申请 {request} 到期': ['{when}']"
    ]


def test_the_compiled_catalog_is_the_po_compiled() -> None:
    """The shipped .mo is what `pybabel compile` makes of the committed .po."""
    compiled = io.BytesIO()
    write_mo(compiled, catalog())
    assert MO.read_bytes() == compiled.getvalue()


def test_babel_cfg_names_only_modules_that_exist() -> None:
    """A module listed for its help texts exists (a renamed module would silently drop out)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, _options = parse_mapping_cfg(cfg)
    src = Path(ledger.__file__).parent
    listed = [pattern for pattern, method in method_map if method == "ledger.helptext.extract"]
    assert listed
    assert [p for p in listed if not (src / p).is_file()] == []
