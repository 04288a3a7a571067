"""click help texts as catalog messages: found by Babel, shown in the current language.

A command's help is its docstring and an option's is its ``help=`` string, both written
in English and fixed when the module is imported — before ``--lang`` is read. So they are
translated when shown: ``localize`` puts the current language's text on a command, its
options and subcommands (remembering the English), and ``extract`` is the Babel
extraction method that puts the same texts in the catalog (``babel.cfg`` names the
modules whose help is translated). Both sides key a text by ``inspect.cleandoc`` of it.
A command's summary in its group's list is the first sentence of its help, whole.
Help is wrapped by display width, so Chinese (two columns a character, no spaces to
break at) fits the terminal as English does.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Collection, Iterable, Iterator
from typing import IO, Any

import click

from ledger.i18n import _
from ledger.textwidth import width

__all__ = ["HelpContext", "HelpFormatter", "extract", "help_values", "localize", "summary", "wrap"]

_HELP_KEYWORDS = ("help", "short_help", "epilog")
_CLICK_DECORATORS = frozenset({"command", "group"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`])|(?<=[。！？])")
"""Where a sentence ends: not inside "(Art. 30)" or "e.g. x"."""
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"[{_WIDE}]|[^\s{_WIDE}]+|\s+")
_NO_LINE_START = frozenset("，。、；：！？）》」』】")


def _join(lines: list[str]) -> str:
    """A paragraph's lines as one: a space between words, none next to a Chinese character."""
    text = ""
    for line in lines:
        wide = bool(text) and (_is_cjk(text[-1]) or _is_cjk(line[:1]) or text[-1] in "，。；：）")
        text += line if not text or wide else f" {line}"
    return text


def _fill(text: str, columns: int, first: str, rest: str) -> list[str]:
    """Greedy wrapping by display width; a Chinese character is a place to break."""
    lines: list[str] = []
    line, used, space = first, width(first), False
    start = len(first)
    for token in _TOKEN.findall(text):
        if token.isspace():
            space = len(line) > start
            continue
        gap = " " if space else ""
        overhang = token in _NO_LINE_START and not gap and used <= columns
        fits = used + len(gap) + width(token) <= columns or overhang
        if fits or len(line) == start:
            line, used = line + gap + token, used + len(gap) + width(token)
        else:
            lines.append(line)
            line, used, start = rest + token, width(rest) + width(token), len(rest)
        space = False
    lines.append(line)
    return lines


def wrap(text: str, columns: int, indent: str = "") -> str:
    """click's paragraph wrapping (``\\b`` keeps a paragraph as written), by display width."""
    paragraphs: list[list[str]] = [[]]
    for line in text.expandtabs().splitlines():
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    out = []
    for lines in filter(None, paragraphs):
        extra = indent + " " * (width(lines[0]) - width(lines[0].lstrip()))
        if lines[0].strip() == "\b":
            kept = ("" if line.strip() == "\b" else indent + line for line in lines[1:])
            out.append("\n".join(kept))
        else:
            joined = _join([line.strip() for line in lines])
            out.append("\n".join(_fill(joined, columns, extra, extra)))
    return "\n\n".join(out)


class HelpFormatter(click.HelpFormatter):
    """click's help layout, wrapped by display width (``wrap``)."""

    def write_text(self, text: str) -> None:
        self.write(wrap(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((width(first) for first, _ in rows), default=0), col_max) + col_spacing
        margin = first_col + self.current_indent
        for first, second in rows:
            self.write(" " * self.current_indent + first)
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * margin)
            lines = wrap(second, max(self.width - first_col - 2, 10)).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write((" " * margin + line if line else "") + "\n")


class HelpContext(click.Context):
    """A context whose help is laid out by ``HelpFormatter``."""

    formatter_class = HelpFormatter


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


_VALUES = "_ledger_help_values"


def help_values(command: click.Command, **values: str) -> None:
    """Values for the ``{placeholders}`` of ``command``'s help and its options' help,
    filled in after translation: a help naming what only the running program knows (the
    installed calendar's years, the table of codes) is still one plain-string message."""
    setattr(command, _VALUES, values)


def _translated(owner: object, attribute: str, values: dict[str, str]) -> str | None:
    """The English text of ``owner.attribute`` (kept on first use), in the current language,
    its ``{placeholders}`` filled from ``values`` (none: the text as it is)."""
    kept = f"_ledger_english_{attribute}"
    if not hasattr(owner, kept):
        setattr(owner, kept, getattr(owner, attribute))
    english: str | None = getattr(owner, kept)
    if not english:
        return english
    text = _(inspect.cleandoc(english))
    return text.format(**values) if values else text


def localize(command: click.Command) -> click.Command:
    """Put the current language's help on ``command``, its options and its subcommands."""
    values: dict[str, str] = getattr(command, _VALUES, {})
    command.context_class = HelpContext
    command.help = _translated(command, "help", values)
    command.epilog = _translated(command, "epilog", values)
    short = _translated(command, "short_help", values)
    command.short_help = short or (summary(command.help) if command.help else None)
    for param in command.params:
        if isinstance(param, click.Option):
            param.help = _translated(param, "help", values)
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
