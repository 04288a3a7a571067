"""What each kind of event is called when a person reads it: the one place the names live.

The log, JSON and CSV keep the type (``request.extension-granted``); a timeline, a
refusal naming a step and ``ledger log`` show the name in the current language — the
Chinese name of the step (延期答复) in Chinese; in English the step of a request as
the desk has always named it (``extension-granted``) and any other event by its type.
"""

from __future__ import annotations

from ledger.i18n import N_, _

__all__ = ["EVENT_NAMES", "event_label", "event_name"]

REQUEST_PREFIX = "request."

EVENT_NAMES: dict[str, str] = {
    "request.received": N_("received"),
    "request.clarification-requested": N_("clarification-requested"),
    "request.clarified": N_("clarified"),
    "request.extension-granted": N_("extension-granted"),
    "request.consultation-started": N_("consultation-started"),
    "request.consultation-ended": N_("consultation-ended"),
    "request.fee-notice-issued": N_("fee-notice-issued"),
    "request.fee-paid": N_("fee-paid"),
    "request.deadline-deferred": N_("deadline-deferred"),
    "request.deadline-set": N_("deadline-set"),
    "request.decision-issued": N_("decision-issued"),
    "request.withdrawn": N_("withdrawn"),
    "request.receipt-corrected": N_("receipt-corrected"),
    "request.decision-corrected": N_("decision-corrected"),
    "request.step-retracted": N_("step-retracted"),
    "request.notice-issued": N_("notice-issued"),
    "request.carried-over": N_("carried-over"),
    "request.carry-over-revoked": N_("carry-over-revoked"),
    "request.amendment-recorded": N_("amendment-recorded"),
    "agency.registered": N_("agency.registered"),
    "agency.default-set": N_("agency.default-set"),
    "applicant.erased": N_("applicant.erased"),
    "register.personal-data-exported": N_("register.personal-data-exported"),
    "calendar.schedule-recorded": N_("calendar.schedule-recorded"),
    "case.filed": N_("case.filed"),
    "case.concluded": N_("case.concluded"),
    "document.issued": N_("document.issued"),
    "document.repealed": N_("document.repealed"),
    "annual.figures-recorded": N_("annual.figures-recorded"),
    "annual.narrative-recorded": N_("annual.narrative-recorded"),
    "year.closed": N_("year.closed"),
    "reminder.claimed": N_("reminder.claimed"),
    "reminder.sent": N_("reminder.sent"),
    "reminder.failed": N_("reminder.failed"),
    "reminder.run-completed": N_("reminder.run-completed"),
    "log.keyed": N_("log.keyed"),
}
"""Event type → its name as a message (English: the request's step, or the type)."""


def event_name(type_name: str) -> str:
    """An event type, or a request's step (``extension-granted``), named in the current
    language; a type without a name is shown as it is."""
    key = type_name if type_name in EVENT_NAMES else REQUEST_PREFIX + type_name
    return _(EVENT_NAMES[key]) if key in EVENT_NAMES else type_name


def event_label(type_name: str) -> str:
    """The type with its name beside it when the name says something else (``ledger log``:
    the auditor sees the type the JSON has, and in Chinese what it is)."""
    name = event_name(type_name)
    if name in (type_name, type_name.removeprefix(REQUEST_PREFIX)):
        return type_name
    return _("{type} ({name})").format(type=type_name, name=name)
