"""A year closed by another desk between a command's reading of the closed years and its
append: the append is refused under the store's lock, and the command run again refuses
the fact as dated in a closed year (or takes it as an amendment), on SQLite and PostgreSQL.

The interleaving is made deterministic by running the command's handler itself (what
``exactly_once`` runs on each attempt) on a desk that read the closed years before the
other desk closed 2024. Request A was decided in 2024, so it was closed at the year's end
and closing 2024 appends nothing to it: only the closed years' count can catch the race.
Where the whole command must run (every retry lost), the other desk closes a year right
after the racing desk's store lists the year streams (``_racing``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.commands import corrections as fix
from ledger.commands import years
from ledger.commands._context import Desk, forget_closed_years
from ledger.commands._once import RACE_RETRIES
from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
from ledger.commands.years import close_year, closed_years
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import BooksMoved, ConcurrencyError, RuleViolation, YearsClosedMeanwhile
from ledger.events.years import year_prefix

TODAY = date(2025, 3, 10)
WRONG_OUTCOME = fix.Correction("A", "clerk typed the wrong outcome", outcome="部分公开")
LATE_RECEIPT = RecordReceipt(date(2024, 12, 20), "online", "business", "B")


@pytest.fixture
def apps(db_url: str) -> Iterator[tuple[App, App]]:
    """Two desks' apps on one database (each its own connection); A decided in 2024,
    2024 not closed yet."""
    config = Config(backdate_days=3650)
    first = bootstrap(db_url, config, actor="clerk", clock=FixedClock(TODAY))
    desk = first.desk()
    record_receipt(desk, RecordReceipt(date(2024, 3, 4), "in-person", "natural", "A"))
    issue_decision(desk, "A", date(2024, 3, 20), "予以公开")
    second = bootstrap(db_url, config, actor="head", clock=FixedClock(TODAY), ensure=False)
    yield first, second
    second.close()
    first.close()


def events(app: App) -> int:
    return len(list(app.store.read_all()))


def _lose_the_race(apps: tuple[App, App], command: Callable[..., Any], arg: object) -> Desk:
    """Run ``command``'s handler on a desk that read 2024 as open before the other desk
    closed it; its append must be refused as a lost race, writing nothing."""
    clerk_app, head_app = apps
    clerk = clerk_app.desk()
    clerk.closed_years_seen = {}  # as ``exactly_once`` starts an attempt
    assert closed_years(clerk, "default") == set()  # read: 2024 is open
    close_year(head_app.desk(), 2024, "default")  # another desk closes it meanwhile
    before = events(clerk_app)
    handler = inspect.unwrap(command)
    with clerk.store.expecting(clerk.years_expected), pytest.raises(ConcurrencyError):
        handler(clerk, arg)
    assert events(clerk_app) == before
    clerk.closed_years_seen = None
    return clerk


def test_a_correction_racing_close_year_is_retried_and_refused(apps: tuple[App, App]) -> None:
    """A correction of a decision dated in 2024 that read 2024 as open, appending after
    close-year 2024 committed: refused under the lock; run again, it needs --amend."""
    clerk = _lose_the_race(apps, fix.correct, WRONG_OUTCOME)
    before = events(apps[0])
    with pytest.raises(RuleViolation, match=r"2024 is closed .*decided: disclosed/natural"):
        fix.correct(clerk, WRONG_OUTCOME)
    assert events(apps[0]) == before
    done = fix.correct(apps[0].desk(amend=True), WRONG_OUTCOME)
    assert "request.amendment-recorded" in [e.type for e in done.events]


def test_a_backdated_receipt_racing_close_year_is_retried_and_refused(
    apps: tuple[App, App],
) -> None:
    """A new receipt dated in 2024 that read 2024 as open, appending after close-year 2024
    committed (a new stream: no version of it could conflict): refused under the lock;
    run again, it needs --amend, and with it is carried over out of 2024."""
    clerk = _lose_the_race(apps, record_receipt, LATE_RECEIPT)
    before = events(apps[0])
    with pytest.raises(RuleViolation, match="is in 2024, which is closed"):
        record_receipt(clerk, LATE_RECEIPT)
    assert events(apps[0]) == before
    done = record_receipt(apps[0].desk(amend=True), LATE_RECEIPT)
    assert "request.carried-over" in [e.type for e in done.events]


def _racing(monkeypatch: pytest.MonkeyPatch, apps: tuple[App, App], years: list[int]) -> list[int]:
    """After each listing of the year streams by the first app's store, the second app
    closes the next of ``years``: another desk closing a year between the racing command's
    read and its append. The years closed, as they go."""
    clerk_app, head_app = apps
    listed = clerk_app.store.stream_ids
    closing = iter(years)
    closed: list[int] = []

    def racing(prefix: str) -> list[str]:
        ids = listed(prefix)
        if prefix == year_prefix("default"):
            year = next(closing, None)
            if year is not None:
                close_year(head_app.desk(), year, "default")
                closed.append(year)
        return ids

    monkeypatch.setattr(clerk_app.store, "stream_ids", racing)
    forget_closed_years(clerk_app.store)  # the years the fixture's commands kept: read anew
    return closed


def test_a_command_losing_every_race_to_close_year_says_so_and_records_nothing(
    apps: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A correction overtaken by a year closed by another desk on each of its tries is
    refused with one line saying that the year was being closed and to try again (exit
    status 3), nothing recorded; tried again, it goes through."""
    closed = _racing(monkeypatch, apps, list(range(2019, 2019 + RACE_RETRIES)))
    before = events(apps[0])
    with pytest.raises(YearsClosedMeanwhile) as refused:
        fix.correct(apps[0].desk(), WRONG_OUTCOME)
    assert closed == [2019, 2020, 2021, 2022, 2023]  # one a try, each try lost
    assert refused.value.exit_code == 3
    assert refused.value.message == (
        "nothing was recorded: another desk was closing the year 2023 of default at the same "
        f"moment ({RACE_RETRIES} tries in a row); try again"
    )
    assert events(apps[0]) == before + RACE_RETRIES  # the five YearClosed only
    done = fix.correct(apps[0].desk(), WRONG_OUTCOME)
    assert [e.type for e in done.events] == ["request.decision-corrected"]


@pytest.mark.usefixtures("chinese")
def test_a_command_losing_every_race_to_close_year_says_so_in_chinese(
    apps: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refusal of a command overtaken on each try by a year closed is a message of the
    catalog, in Chinese by default."""
    _racing(monkeypatch, apps, list(range(2019, 2019 + RACE_RETRIES)))
    with pytest.raises(YearsClosedMeanwhile, match=r"另一个登记台.*2023.*结转.*请重试"):
        record_receipt(apps[0].desk(), LATE_RECEIPT)


def test_the_closed_years_are_read_only_inside_a_desk_command(apps: tuple[App, App]) -> None:
    """Reading the closed years outside a desk command is a bug (no append would check
    them), not a silent read."""
    with pytest.raises(RuntimeError, match="outside a desk command"):
        closed_years(apps[0].desk(), "default")


def test_a_receipt_racing_close_year_after_its_read_is_carried_over(
    apps: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A receipt dated in 2024 recorded by another desk after close-year 2024 read which
    requests were open at the year's end, and before its append (the receipt's append
    found 2024 still open): the close's append is refused, as the log moved since its
    read, and run again it carries the receipt over instead of missing it."""
    clerk_app, head_app = apps
    read = years.open_at_year_end
    raced: list[str] = []

    def then_a_receipt(store: object, year: int, agency: str) -> object:
        found = read(clerk_app.store, year, agency)
        if not raced:
            raced.append(record_receipt(head_app.desk(), LATE_RECEIPT).request_id)
        return found

    monkeypatch.setattr(years, "open_at_year_end", then_a_receipt)
    close_year(clerk_app.desk(), 2024, "default")
    assert raced == ["B"]
    assert "request.carried-over" in [e.type for e in clerk_app.store.read_stream("request-B")]


def test_a_close_year_overtaken_on_every_try_says_so_and_records_nothing(
    apps: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """close-year overtaken on each of its tries by another desk recording a step: one line
    saying so and to try again (exit status 3), 2024 not closed."""
    clerk_app, head_app = apps
    read = years.open_at_year_end
    others = iter(range(1, RACE_RETRIES + 1))

    def then_a_receipt(store: object, year: int, agency: str) -> object:
        found = read(clerk_app.store, year, agency)
        n = next(others, None)
        if n is not None:
            receipt = RecordReceipt(date(2025, 3, n), "in-person", "natural", f"C{n}")
            record_receipt(head_app.desk(), receipt)
        return found

    monkeypatch.setattr(years, "open_at_year_end", then_a_receipt)
    with pytest.raises(BooksMoved) as refused:
        close_year(clerk_app.desk(), 2024, "default")
    assert refused.value.exit_code == 3
    assert refused.value.message == (
        "nothing was recorded: other desks recorded steps while this command read the whole "
        f"books ({RACE_RETRIES} tries in a row); try again at a quieter moment"
    )
    assert clerk_app.store.read_stream("year-default-2024") == []
    assert close_year(clerk_app.desk(), 2024, "default").carried_over == ()


def test_closed_years_kept_from_earlier_commands_are_checked_at_the_append(
    apps: tuple[App, App],
) -> None:
    """A process keeps the closed years its commands read (``known_closed_years``) and
    does not read them again; a year another process closes meanwhile still refuses the
    next command's append under the lock, and the command, run again on a fresh read,
    refuses the fact as dated in a closed year, writing nothing."""
    clerk_app, head_app = apps
    seen: list[str] = []
    if clerk_app.db.dialect == "sqlite":
        clerk_app.db.connection().set_trace_callback(seen.append)
    record_receipt(clerk_app.desk(), RecordReceipt(date(2025, 3, 3), "online", "natural", "C"))
    if clerk_app.db.dialect == "sqlite":
        clerk_app.db.connection().set_trace_callback(None)
        years_read = [s for s in seen if "DISTINCT stream_id" in s and "'year-" in s]
        assert seen
        assert not years_read  # kept from the fixture's commands, not read again
    close_year(head_app.desk(), 2024, "default")  # another process closes 2024
    before = events(clerk_app)
    with pytest.raises(RuleViolation, match="2024"):
        record_receipt(clerk_app.desk(), LATE_RECEIPT)
    assert events(clerk_app) == before
    done = record_receipt(clerk_app.desk(amend=True), LATE_RECEIPT)
    assert done.request_id == "B"


def test_a_receipt_without_an_id_racing_close_year_takes_no_other_id(
    apps: tuple[App, App],
) -> None:
    """A receipt whose id is assigned, refused because a year was closed after it read
    them (not because its id was taken), is run again on a fresh read at once instead
    of trying the next ids: it is refused as dated in a closed year, no id consumed."""
    clerk_app, head_app = apps
    record_receipt(clerk_app.desk(), RecordReceipt(date(2025, 3, 3), "online", "natural"))
    close_year(head_app.desk(), 2024, "default")
    seen: list[str] = []
    if clerk_app.db.dialect == "sqlite":
        clerk_app.db.connection().set_trace_callback(seen.append)
    with pytest.raises(RuleViolation, match="2024"):
        record_receipt(clerk_app.desk(), RecordReceipt(date(2024, 12, 20), "online", "business"))
    if clerk_app.db.dialect == "sqlite":
        clerk_app.db.connection().set_trace_callback(None)
        assert len([s for s in seen if s.startswith("BEGIN")]) == 1  # one append refused


def test_an_amendment_reads_the_closed_years_afresh(apps: tuple[App, App]) -> None:
    """A process that kept 2024 as open, after another process closed it: an amendment
    dated in 2024 is not refused as "2024 is not closed" (a refusal no append would
    check), because --amend reads the closed years afresh."""
    clerk_app, head_app = apps
    record_receipt(clerk_app.desk(), RecordReceipt(date(2025, 3, 3), "online", "natural", "C"))
    close_year(head_app.desk(), 2024, "default")
    done = record_receipt(clerk_app.desk(amend=True), LATE_RECEIPT)
    assert done.request_id == "B"
