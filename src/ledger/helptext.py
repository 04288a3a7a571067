"""click help texts as catalog messages: found by Babel, shown in the current language.

A command's help is its docstring and an option's is its ``help=`` string, both written
in English and fixed when the module is imported — before ``--lang`` is read. So they are
translated when shown: ``localize`` puts the current language's text on a command, its
options and subcommands (remembering the English), and ``extract`` is the Babel
extraction method that puts the same texts in the catalog (``babel.cfg`` names the
modules whose help is translated). Both sides key a text by ``inspect.cleandoc`` of it.
A command's summary in its group's list is the first sentence of its help, whole.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Collection, Iterator
from typing import IO, Any

import click

from ledger.i18n import _

__all__ = ["extract", "localize", "summary"]

_HELP_KEYWORDS = ("help", "short_help", "epilog")
_CLICK_DECORATORS = frozenset({"command", "group"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s|(?<=[。！？])")


def summary(help_text: str) -> str:
    """The first sentence of a help text's first paragraph (click would cut it at 45 chars)."""
    paragraph = inspect.cleandoc(help_text).partition("\f")[0].split("\n\n")[0]
    joined = (
        " ".join(paragraph.split())
        if not _is_cjk(paragraph)
        else "".join(line.strip() for line in paragraph.splitlines())
    )
    return _SENTENCE_END.split(joined, maxsplit=1)[0].strip()


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _translated(owner: object, attribute: str) -> str | None:
    """The English text of ``owner.attribute`` (kept on first use), in the current language."""
    kept = f"_ledger_english_{attribute}"
    if not hasattr(owner, kept):
        setattr(owner, kept, getattr(owner, attribute))
    english: str | None = getattr(owner, kept)
    return _(inspect.cleandoc(english)) if english else english


def localize(command: click.Command) -> click.Command:
    """Put the current language's help on ``command``, its options and its subcommands."""
    command.help = _translated(command, "help")
    command.epilog = _translated(command, "epilog")
    short = _translated(command, "short_help")
    command.short_help = short or (summary(command.help) if command.help else None)
    for param in command.params:
        if isinstance(param, click.Option):
            param.help = _translated(param, "help")
    if command._help_option is not None:
        # click makes --help once, in the language of that moment.
        command._help_option.help = _("Show this message and exit.")
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            localize(sub)
    return command


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Collection[str], options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel extraction method: the module's ``_()`` messages and its click help texts."""
    from babel.messages.extract import extract_python

    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and any(map(_is_click_decorator, node.decorator_list)):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.body[0].lineno, "", doc, []
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                text = keyword.value.value if isinstance(keyword.value, ast.Constant) else None
                if keyword.arg in _HELP_KEYWORDS and isinstance(text, str) and text:
                    yield keyword.value.lineno, "", inspect.cleandoc(text), []


def _is_click_decorator(node: ast.expr) -> bool:
    """``@click.command(...)``, ``@click.group``, ``@record.command("x")`` and the like."""
    target = node.func if isinstance(node, ast.Call) else node
    return isinstance(target, ast.Attribute) and target.attr in _CLICK_DECORATORS
