"""The errors ledger shows to a person.

Every error a user can cause is a ``LedgerError`` whose message is one line naming the
field, the value and what is allowed; the CLI prints it and exits non-zero, never with a
traceback. Anything else escaping is a bug.
"""

from __future__ import annotations

from ledger.i18n import _


class LedgerError(Exception):
    """A refusal or failure explained in one line for the person at the desk."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(LedgerError):
    """A value given on the command line or in a file is not allowed."""

    exit_code = 2


class RuleViolation(LedgerError):
    """The Regulation (or the state of the request) forbids what was asked."""


class NotFound(LedgerError):
    """The request, stream or year named does not exist."""


class ConcurrencyError(LedgerError):
    """Another desk appended to the same stream since it was read."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            _(
                "stream {stream}: expected version {expected}, but it is at version {actual}; "
                "someone else recorded a step meanwhile: reload and try again"
            ).format(stream=stream_id, expected=expected, actual=actual)
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class StreamsAdded(ConcurrencyError):
    """Streams were added under a prefix a command's rules read (``StreamCount``: another
    desk closed a year) between the read and the append; ``stream_id`` is the prefix and
    the versions are the counts. The command runs again on a fresh read (``exactly_once``),
    which names the race for a person if it is lost every time (``YearsClosedMeanwhile``)."""


class LogMoved(ConcurrencyError):
    """Events were appended since a command read the state of the whole log at a position
    (``HeadAt``: close-year reading which requests were open at the year's end). The
    command runs again on a fresh read (``exactly_once``); lost every time, it is told as
    ``BooksMoved``."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__("", expected, actual)


class BooksMoved(LedgerError):
    """Other desks recorded each time the command had read the whole books (close-year
    reading the requests open at the year's end): nothing was recorded. Exit status 3,
    as ``YearsClosedMeanwhile``: try again, at a quieter moment if it keeps happening."""

    exit_code = 3

    def __init__(self, tries: int) -> None:
        super().__init__(
            _(
                "nothing was recorded: other desks recorded steps while this command read the "
                "whole books ({tries} tries in a row); try again at a quieter moment"
            ).format(tries=tries)
        )


class RequestOutrun(LedgerError):
    """Another desk recorded a step on the request each time the command had read it: the
    step was decided on a stale request every time, so nothing was recorded. Exit status 3,
    as the other races lost: the same command again is expected to go through, or to be
    refused by a rule the steps recorded meanwhile now make apply."""

    exit_code = 3

    def __init__(self, request_id: str, tries: int) -> None:
        super().__init__(
            _(
                "nothing was recorded: another desk recorded steps on request {request_id} each "
                "time this command had read it ({tries} tries in a row); check it with "
                "`ledger show {request_id}` and try again"
            ).format(request_id=request_id, tries=tries)
        )
        self.request_id = request_id


class NoticeOutrun(LedgerError):
    """Another desk recorded a step on the request each time its letter had been written
    from the request's events (``ledger notice``): nothing was recorded and no file was
    written, since a letter must state the facts at the version it is recorded at. Exit
    status 3, as the other races lost: the same command again is expected to go through."""

    exit_code = 3

    def __init__(self, kind: str, request_id: str, tries: int) -> None:
        super().__init__(
            _(
                "notice {kind}: request {request_id} changed while its letter was being written "
                "(another desk recorded a step, {tries} tries in a row); nothing was recorded "
                "or written: check it with `ledger show {request_id}` and write the notice again"
            ).format(kind=kind, request_id=request_id, tries=tries)
        )
        self.request_id = request_id


class YearsClosedMeanwhile(LedgerError):
    """Another desk closed a year of the agency each time the command had checked its
    dates against the closed years: nothing was recorded.

    Exit status 3, as for books another writer holds (``BooksBusy``): a race lost, not a
    rule broken, so the same command again is expected to go through (or to be refused
    then by the rule of the closed year, which it can now see).
    """

    exit_code = 3

    def __init__(self, agency: str, years: list[int], tries: int) -> None:
        super().__init__(
            _(
                "nothing was recorded: another desk was closing the year {years} of {agency} at "
                "the same moment ({tries} tries in a row); try again"
            ).format(agency=agency, years=_("; ").join(map(str, years)), tries=tries)
        )
        self.agency = agency
        self.years = years


class StoreUnavailable(LedgerError):
    """The database cannot be reached or opened."""

    exit_code = 3


class NoBooks(StoreUnavailable):
    """The database named holds no ledger books: refused rather than created empty."""

    def __init__(self, where: str) -> None:
        super().__init__(
            _("no ledger books at {where}; `ledger init --db {where}` creates them").format(
                where=where
            )
        )
        self.where = where


class BooksBusy(StoreUnavailable):
    """A write waited longer than the lock timeout: another writer holds the books."""

    def __init__(self, waited: float) -> None:
        super().__init__(
            _(
                "another desk or an import holds the books; try again (waited {waited} s for "
                "the lock, the configured lock_timeout)"
            ).format(waited=f"{waited:g}")
        )
        self.waited = waited


class IntegrityFailure(LedgerError):
    """The log's hash chain or a recorded deadline does not check out."""

    exit_code = 4


class ChainUnchecked(LedgerError):
    """The chain is keyed from some position on and the key was not given: that part could
    not be checked (neither intact nor broken)."""

    exit_code = 5
