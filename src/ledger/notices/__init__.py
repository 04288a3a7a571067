"""The written notices of a request's steps: built as data, rendered, recorded.

``build_notice`` reads the letter's facts from the request's events; ``render_notice``
writes it as text, .docx (公文 layout) or PDF from replaceable Jinja2 templates;
``issue_notice`` does both and records ``request.notice-issued`` once per command id
(docs/notices.md).
"""

from ledger.notices.issue import IssuedNotice, NoticeOrder, issue_notice
from ledger.notices.model import Notice, build_notice
from ledger.notices.render import FORMATS, cn_date, render_notice

__all__ = [
    "FORMATS",
    "IssuedNotice",
    "Notice",
    "NoticeOrder",
    "build_notice",
    "cn_date",
    "issue_notice",
    "render_notice",
]
