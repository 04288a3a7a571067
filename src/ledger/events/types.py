"""Event types: what can be recorded, and how old payloads are read today.

Every event type is an explicit frozen pydantic model with a stable ``type`` name and a
schema ``version``. The registry is a plain dictionary filled by :func:`register`, so
nothing but the named classes can ever be written. An upcaster turns a stored payload of
an older version into the shape of the next version on read; the log itself is never
rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any, ClassVar, Final

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ledger.errors import InvalidInput
from ledger.events.fields import Reason
from ledger.i18n import _

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class Event(BaseModel):
    """Base of every event: an immutable fact in the past tense."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    type: ClassVar[str]
    version: ClassVar[int] = 1
    free_text: ClassVar[tuple[str, ...]] = ()
    """Fields typed at a desk that may name a person: the store keeps their text outside
    the log (``ledger.texts``) and the payload carries ``<field>_ref`` instead; each such
    field has a ``<field>_ref`` beside it. ``backdated`` is one for every event."""
    refer_only: ClassVar[tuple[str, ...]] = ()
    """Free-text fields that only copy an earlier event's value (a consultation's party):
    a literal one is that older event's text, kept as it is."""
    empty_text: ClassVar[tuple[str, ...]] = ()
    """Free-text fields whose "not given" is "" rather than None."""
    required_text: ClassVar[tuple[str, ...]] = ()
    """Free-text fields that must be given, as text or as a reference."""
    quoting: ClassVar[tuple[str, ...]] = ()
    """Derived text fields that may quote what a desk typed in the same append (a
    deadline's reason: "consultation with …"); the store puts the text's mark there instead
    (``ledger.texts.quote_marks``), so the field stays in the log without the text."""

    backdated: Reason | None = None
    """Why a fact dated well before the day it was recorded was recorded late (a desk's
    ``--backdated REASON``); absent from the payload when the entry was timely."""
    backdated_ref: str | None = None

    @model_validator(mode="after")
    def _texts_given(self) -> Event:
        """A required free-text field is there as text or as a reference."""
        for name in self.required_text:
            if not getattr(self, name) and not getattr(self, f"{name}_ref"):
                raise ValueError(f"field {name!r}: Field required")
        return self

    def payload(self) -> Payload:
        """The JSON-able data stored for this event (dates as ISO strings).

        A free-text field kept outside the log appears as its reference only; a reference
        not used is left out, so payloads without one keep their old shape.
        """
        data = self.model_dump(mode="json")
        for name in (*self.free_text, "backdated"):
            if data.get(f"{name}_ref") is None:
                data.pop(f"{name}_ref", None)
            else:
                data.pop(name, None)
        if data.get("backdated") is None:
            data.pop("backdated", None)
        return data


_TYPES: dict[str, type[Event]] = {}
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}

EVENT_MODULES: Final = (
    "agencies",
    "annual",
    "calendar",
    "chainkey",
    "exports",
    "notices",
    "reminders",
    "requests",
    "years",
)
"""The modules under ``ledger.events`` that register event types. A command imports the
ones it records; a type looked up and not yet known loads them all (``known_types``), so
a desk command does not pay for building the models of every other command."""


def known_types() -> dict[str, type[Event]]:
    """Every registered event type, by name: all of ``EVENT_MODULES`` imported first."""
    for name in EVENT_MODULES:
        import_module(f"ledger.events.{name}")
    return _TYPES


def _lookup(type_name: str) -> type[Event] | None:
    """The class registered under ``type_name``, loading every event module if need be."""
    cls = _TYPES.get(type_name)
    return cls if cls is not None else known_types().get(type_name)


def register(*classes: type[Event], replace: bool = False) -> None:
    """Make event classes known to the store; a name may only be taken once.

    ``replace`` swaps in a new class for a name, as a new release of ledger does when an
    event type gains a version (tests use it to read old payloads with new code).
    """
    for cls in classes:
        known = _TYPES.get(cls.type)
        if known is not None and known is not cls and not replace:
            raise ValueError(f"event type {cls.type!r} is registered twice")
        _TYPES[cls.type] = cls


def register_upcaster(type_name: str, from_version: int, upcaster: Upcaster) -> None:
    """Teach the reader to lift a ``from_version`` payload to ``from_version + 1``."""
    _UPCASTERS[(type_name, from_version)] = upcaster


def event_class(type_name: str) -> type[Event]:
    """The class registered under ``type_name``, or a one-line refusal."""
    cls = _lookup(type_name)
    if cls is None:
        known = ", ".join(sorted(_TYPES)) or _("none")
        refusal = _("event type {type!r} is unknown; known types: {known}")
        raise InvalidInput(refusal.format(type=type_name, known=known))
    return cls


def upcast(type_name: str, version: int, data: Payload) -> Payload:
    """Bring a stored payload up to the current version of its type."""
    cls = _lookup(type_name)
    current = cls.version if cls is not None else version
    while version < current:
        data = _UPCASTERS[(type_name, version)](data)
        version += 1
    return data


def parse_event(type_name: str, data: Payload) -> Event:
    """Validate a payload given as data (an import, a test), naming the first bad field."""
    cls = event_class(type_name)
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first["loc"]:  # a check of the whole payload names its field in its message
            message = str(first["msg"]).removeprefix("Value error, ")
            refusal = _("event {type}: {message}")
            raise InvalidInput(refusal.format(type=type_name, message=message)) from None
        where = ".".join(str(p) for p in first["loc"])
        refusal = _("event {type}: field {field!r}: {why}")
        raise InvalidInput(refusal.format(type=type_name, field=where, why=first["msg"])) from None


def decode_event(type_name: str, data: Payload) -> Event:
    """The typed event for a stored payload already brought to the current version."""
    return event_class(type_name).model_validate(data)
