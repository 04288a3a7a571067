"""Reminders posted as JSON to a webhook: a plain document, a WeCom or a DingTalk robot.

Group robots cap a message's size (WeCom: text 2048 bytes, markdown 4096; DingTalk:
a 20000-byte body), and a busy office can have more reminders than fit. So a chat batch
is split into numbered parts posted in order; if part k fails, the reminders of the
parts before it were delivered, and ``DeliveryFailed.delivered`` says which.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import IO, Any

from ledger.i18n import _
from ledger.notifiers._core import (
    ChatMsgtype,
    DeliveryFailed,
    Reminder,
    WebhookFormat,
    anchor_text,
    anchor_title,
    message_key,
    reminder_line,
    safe_reason,
    summary,
)
from ledger.projections.anchors import Anchor

__all__ = ["ChatMsgtype", "WebhookFormat", "WebhookNotifier"]


# Content limits in bytes of JSON-escaped UTF-8 (escaping only makes text longer, so the
# services' own counts stay below these). DingTalk limits the whole body to 20000
# bytes; 19000 leaves room for the envelope and the markdown title.
_CONTENT_LIMIT: dict[tuple[str, str], int] = {
    ("wecom", "text"): 2048,
    ("wecom", "markdown"): 4096,
    ("dingtalk", "text"): 19000,
    ("dingtalk", "markdown"): 19000,
}
_PART_SUFFIX_ROOM = " (999/999)"
_MAX_REPLY = 64 * 1024
_HEADERS = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "ledger"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Treat a redirect as a failure.

    urllib would follow a 301/302 to a POST by sending a GET without the body, and the
    page it lands on answers 200: a reminder reported as delivered that never was.
    """

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        """Follow nothing; the 3xx then surfaces as an ``HTTPError``."""
        return None


def _size(text: str) -> int:
    """Bytes ``text`` takes inside a JSON string (UTF-8, escapes counted)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def _fit(text: str, limit: int) -> str:
    """Shorten ``text`` until it takes at most ``limit`` bytes, marking the cut."""
    if _size(text) <= limit:
        return text
    while text and _size(text + "…") > limit:
        excess = _size(text + "…") - limit
        # An escaped character takes at most 6 bytes (\\uXXXX): never cut too much.
        text = text[: -max(1, excess // 6)]
    return text + "…"


def _pack(sizes: Sequence[int], budget: int, separator: int) -> list[list[int]]:
    """Group consecutive items (by index) so that each group's total fits ``budget``."""
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for index, size in enumerate(sizes):
        extra = size + (separator if current else 0)
        if current and used + extra > budget:
            groups.append(current)
            current, used, extra = [], 0, size
        current.append(index)
        used += extra
    if current:
        groups.append(current)
    return groups


def dingtalk_signed(url: str, secret: str, timestamp_ms: int) -> str:
    """Append DingTalk's ``timestamp`` and ``sign`` to a robot URL.

    The sign is HMAC-SHA256 of "timestamp\\nsecret" keyed with the secret, base64
    encoded, then URL-encoded; DingTalk accepts it for one hour.
    """
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={sign}"


@dataclass(frozen=True)
class WebhookNotifier:
    """POST a run's reminders as JSON to ``url``.

    ``format``: ``json`` posts ``{"reminders": [...]}`` in one request; ``wecom`` and
    ``dingtalk`` post robot messages (``msgtype`` text or markdown), split into parts
    when the batch is too long for one. A non-2xx reply, a redirect, or for the robots a
    reply whose ``errcode`` is not 0 is a failure. ``secret`` signs DingTalk requests.
    """

    name: str
    url: str = field(repr=False)
    format: WebhookFormat = "json"
    msgtype: ChatMsgtype = "text"
    secret: str | None = field(default=None, repr=False)
    timeout: float = 10.0

    def __post_init__(self) -> None:
        """Refuse a signing secret where it would be silently ignored."""
        if self.secret is not None and self.format != "dingtalk":
            raise ValueError("WebhookNotifier: a signing secret only applies to dingtalk")

    def send(self, reminders: Sequence[Reminder]) -> None:
        """Post the batch (in parts for the robots); raise ``DeliveryFailed`` on failure."""
        delivered: list[Reminder] = []
        for part, body in self.payloads(reminders):
            reason = self._post(body, _idempotency(self.name, part))
            if reason is not None:
                raise self._failed(reason, delivered, len(reminders))
            delivered.extend(part)

    def send_anchor(self, anchor: Anchor) -> None:
        """Post the log's head: ``{"anchor": {...}}`` as JSON, a one-line robot message in
        chat; raise ``DeliveryFailed`` if it was not accepted."""
        if self.format == "json":
            when = anchor.recorded_at
            document = {"anchor": {
                "position": anchor.position, "hash": anchor.hash, "line": anchor.line(),
                "recorded_at": None if when is None else when.isoformat(timespec="seconds"),
            }}  # fmt: skip
            body = _encode(document)
        else:
            title = anchor_title(anchor)
            body = self._robot_body(title, "\n".join([self._title(title), anchor_text(anchor)]))
        reason = self._post(body)
        if reason is not None:
            where = f"{self.format} webhook to {_origin(self.url)}"
            message = f"notifier {self.name} ({where}): {self._reason(reason)}; head not sent"
            raise DeliveryFailed(message, self.name)

    def payloads(self, reminders: Sequence[Reminder]) -> list[tuple[list[Reminder], bytes]]:
        """The request bodies for a batch, each with the reminders it carries."""
        if not reminders:
            return []
        if self.format == "json":
            document = {"reminders": [reminder.as_dict() for reminder in reminders]}
            return [(list(reminders), _encode(document))]
        return self._chat_payloads(reminders)

    def _chat_payloads(self, reminders: Sequence[Reminder]) -> list[tuple[list[Reminder], bytes]]:
        """Robot messages: a header line, then one line per reminder, split to fit."""
        markdown = self.msgtype == "markdown"
        separator = "\n\n" if markdown else "\n"
        header = summary(reminders)
        budget = _CONTENT_LIMIT[self.format, self.msgtype] - (
            _size(self._title(header + _PART_SUFFIX_ROOM)) + _size(separator)
        )
        lines = [_fit(self._line(reminder), budget) for reminder in reminders]
        groups = _pack([_size(line) for line in lines], budget, _size(separator))
        payloads = []
        for number, group in enumerate(groups, start=1):
            title = header if len(groups) == 1 else f"{header} ({number}/{len(groups)})"
            content = separator.join([self._title(title), *(lines[i] for i in group)])
            payloads.append(([reminders[i] for i in group], self._robot_body(title, content)))
        return payloads

    def _title(self, text: str) -> str:
        """The first line of a robot message, bold in markdown."""
        return f"**{text}**" if self.msgtype == "markdown" else text

    def _line(self, reminder: Reminder) -> str:
        """One reminder in a robot message; a list item in markdown."""
        line = reminder_line(reminder)
        return f"- {line}" if self.msgtype == "markdown" else line

    def _robot_body(self, title: str, content: str) -> bytes:
        """The JSON envelope of a WeCom or DingTalk robot message."""
        if self.msgtype == "text":
            return _encode({"msgtype": "text", "text": {"content": content}})
        if self.format == "dingtalk":
            markdown = {"title": title, "text": content}
            return _encode({"msgtype": "markdown", "markdown": markdown})
        return _encode({"msgtype": "markdown", "markdown": {"content": content}})

    def _target(self) -> str:
        """The URL to post to, signed afresh for DingTalk (signatures expire)."""
        if self.secret is None:
            return self.url
        return dingtalk_signed(self.url, self.secret, round(time.time() * 1000))

    def _post(self, body: bytes, headers: dict[str, str] | None = None) -> str | None:
        """POST one body (with extra ``headers``); return why it failed, or None when it
        was accepted."""
        request = urllib.request.Request(
            self._target(), data=body, headers={**_HEADERS, **(headers or {})}, method="POST"
        )
        opener = urllib.request.build_opener(_NoRedirect())
        try:
            with opener.open(request, timeout=self.timeout) as response:
                reply: bytes = response.read(_MAX_REPLY)
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the open response; left to the GC it warns
            return _("the server replied HTTP {code} {reply}").format(
                code=exc.code, reply=exc.reason
            )
        except urllib.error.URLError as exc:
            cause = exc.reason
            return self._reason(cause if isinstance(cause, BaseException) else str(cause))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return self._reason(exc)
        return self._check_reply(reply)

    def _check_reply(self, raw: bytes) -> str | None:
        """Robots answer 200 even on failure; their verdict is the ``errcode``."""
        if self.format == "json":
            return None
        try:
            reply = json.loads(raw)
        except ValueError:
            return "the reply is not JSON"
        if not isinstance(reply, dict) or "errcode" not in reply:
            return "the reply has no errcode"
        if reply["errcode"] == 0:
            return None
        return f"the robot replied errcode {reply['errcode']}: {reply.get('errmsg', '')}"

    def _reason(self, cause: BaseException | str) -> str:
        """A failure cause with the URL, its key and the signing secret masked."""
        query = urllib.parse.parse_qsl(urllib.parse.urlsplit(self.url).query)
        return safe_reason(cause, [self.url, self.secret, *(value for _key, value in query)])

    def _failed(self, reason: str, delivered: Sequence[Reminder], total: int) -> DeliveryFailed:
        """One line: which notifier, which host (never the full URL), why, how many got out."""
        where = _("{format} webhook to {origin}").format(
            format=self.format, origin=_origin(self.url)
        )
        sent = _("{sent} of {total} reminders were sent").format(sent=len(delivered), total=total)
        message = _("notifier {name} ({where}): {reason}; {sent}").format(
            name=self.name, where=where, reason=self._reason(reason), sent=sent
        )
        return DeliveryFailed(message, self.name, delivered)


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL: enough to find the server, no path or key."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "an invalid URL"
    return f"{parts.scheme}://{parts.hostname}{port}"


def _idempotency(name: str, reminders: Sequence[Reminder]) -> dict[str, str]:
    """The headers that let a receiver drop a repeat: the message's ``Idempotency-Key``
    (``message_key``) and the ids of the reminders it carries, in order."""
    key = message_key(name, reminders)
    if key is None:
        return {}
    return {"Idempotency-Key": key, "X-Ledger-Reminder-Ids": ", ".join(r.id for r in reminders)}


def _encode(document: dict[str, Any]) -> bytes:
    """JSON as UTF-8 with Chinese left readable (both robots require UTF-8)."""
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
