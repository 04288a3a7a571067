"""A notice as text, as a Word letter in 公文 layout, and as PDF.

The body of each letter is a Jinja2 text template, one per kind (``<kind>.txt.j2``):
the defaults ship in ``ledger/notices/templates``, and an agency's folder
(``[notices] templates`` in the configuration) replaces any of them by name. The
title, the 文号 line and the signature (agency and date) are laid out around the body.
In the body a blank line separates paragraphs; the first paragraph is the salutation.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from ledger.errors import InvalidInput, LedgerError
from ledger.i18n import _
from ledger.notices.model import Notice
from ledger.report._docx import BODY_FONT, TITLE_FONT, _set_fonts, _setup

__all__ = ["FORMATS", "PDF_TOOL", "body_text", "notice_text", "render_notice", "text_hash"]

FORMATS = ("text", "docx", "pdf")
PDF_TOOL = "LibreOffice (Debian: apt-get install libreoffice-writer-nogui)"
BLANK_DATE = "____年__月__日"


def cn_date(value: date | None) -> str:
    """A date as a Chinese letter writes it (2021年4月14日); a blank to fill in for None."""
    if value is None:
        return BLANK_DATE
    return f"{value.year}年{value.month}月{value.day}日"


def _environment(folder: str | Path | None) -> jinja2.Environment:
    """The agency's folder first (if any), then the templates shipped with ledger."""
    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.PackageLoader("ledger", "notices/templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,  # plain text, never HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["cn"] = cn_date
    return env


def body_text(notice: Notice, folder: str | Path | None = None) -> str:
    """The letter's body from its template; a template error is one line naming the file."""
    name = f"{notice.kind}.txt.j2"
    try:
        template = _environment(folder).get_template(name)
        text = template.render(**notice.variables())
    except jinja2.TemplateNotFound as missing:
        raise InvalidInput(
            _("notices.templates: template {name} not found").format(name=missing.name)
        ) from None
    except jinja2.TemplateError as error:
        line = getattr(error, "lineno", None)
        where = f"{getattr(error, 'name', None) or name}" + (f", line {line}" if line else "")
        raise InvalidInput(
            _("notices.templates: {where}: {why}").format(where=where, why=error.message)
        ) from None
    return _tidy(text)


def _tidy(text: str) -> str:
    """Paragraphs separated by exactly one blank line, lines without trailing spaces."""
    paragraphs = [p.strip("\n") for p in text.replace("\r\n", "\n").split("\n\n")]
    kept = ["\n".join(line.rstrip() for line in p.split("\n")) for p in paragraphs if p.strip()]
    return "\n\n".join(kept)


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (a paragraph's single line breaks stay in it)."""
    return [p for p in body.split("\n\n") if p.strip()]


def notice_text(notice: Notice, body: str) -> str:
    """The whole letter as plain text: title, 文号, body, agency and date."""
    return "\n".join(
        [notice.title, notice.number, "", body, "", notice.agency_name, cn_date(notice.dated)]
    )


def text_hash(text: str) -> str:
    """The SHA-256 of the letter's text, recorded with the notice."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _paragraph(doc: Any, text: str, *, indent: bool) -> None:
    """One body paragraph; each line of a list (items, the fee's working) is a paragraph
    of its own, indented alike."""
    for line in text.split("\n"):
        para = doc.add_paragraph(line)
        if indent:
            para.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号


def render_docx(notice: Notice, body: str) -> bytes:
    """The letter as a .docx: A4 and the report's 公文 styles (仿宋 三号 body), the title
    centred in a 小标宋-like font, the 文号 under it, the agency and date at the right."""
    doc = Document()
    _setup(doc)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(12)
    _set_fonts(title.add_run(notice.title), TITLE_FONT, 22, bold=True)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.space_after = Pt(16)
    _set_fonts(number.add_run(notice.number), BODY_FONT, 16)
    for i, para in enumerate(paragraphs(body)):
        _paragraph(doc, para, indent=i > 0)
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    dated = cn_date(notice.dated)
    for line in ("", notice.agency_name, dated):
        signature = doc.add_paragraph(line)
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signature.paragraph_format.right_indent = Pt(64)  # 成文日期右空四字 (GB/T 9704)
        signature.paragraph_format.keep_with_next = line != dated
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def pdf_converter() -> str | None:
    """The LibreOffice program that converts a .docx to PDF, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def check_pdf() -> str:
    """The converter, or a one-line refusal saying what to install."""
    program = pdf_converter()
    if program is None:
        raise InvalidInput(
            _("--format pdf: needs {tool}; or use --format docx").format(tool=PDF_TOOL)
        )
    return program


def render_pdf(notice: Notice, body: str) -> bytes:
    """The letter's .docx converted by LibreOffice headless (never a PDF of our own)."""
    program = check_pdf()
    with tempfile.TemporaryDirectory(prefix="ledger-notice-") as tmp:
        source = Path(tmp) / "notice.docx"
        source.write_bytes(render_docx(notice, body))
        profile = Path(tmp, "profile").as_uri()  # its own profile: runs beside an open Office
        done = subprocess.run(
            [program, f"-env:UserInstallation={profile}", "--headless",
             "--convert-to", "pdf", "--outdir", tmp, str(source)],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        made = Path(tmp) / "notice.pdf"
        if done.returncode != 0 or not made.exists():
            reason = (done.stderr or done.stdout).strip().splitlines()
            raise LedgerError(
                _("--format pdf: LibreOffice failed: {value}").format(
                    value=reason[-1] if reason else "?"
                )
            )
        return made.read_bytes()


def render_notice(notice: Notice, fmt: str, folder: str | Path | None = None) -> tuple[str, bytes]:
    """The letter's plain text (which is hashed) and the file in ``fmt``."""
    if fmt not in FORMATS:
        raise InvalidInput(
            _("--format: {fmt!r} is not allowed; use one of {listed}").format(
                fmt=fmt, listed=", ".join(FORMATS)
            )
        )
    if fmt == "pdf":
        check_pdf()
    body = body_text(notice, folder)
    text = notice_text(notice, body)
    if fmt == "text":
        return text, (text + "\n").encode("utf-8")
    if fmt == "docx":
        return text, render_docx(notice, body)
    return text, render_pdf(notice, body)
