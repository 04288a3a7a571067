"""`ledger demo`: build the demonstration history and show what ledger makes of it."""

from __future__ import annotations

import click

from ledger.cli._common import app_of, common_options
from ledger.dates import today
from ledger.demo import AGENCY, build, is_built


@click.command()
@click.option("--year", type=int, default=2020, show_default=True, help="The report to print.")
@common_options
@click.pass_context
def demo(ctx: click.Context, year: int) -> None:
    """Build a demonstration database; print its 2020 annual report and today's alerts.

    The history reproduces the published 2020 report of 宁波市镇海区教育局 (every figure
    of tables 2, 3 and 4), a rich 2021 (every outcome, pauses, fees, carry-overs, an
    amendment, reviews and lawsuits) and a few recent requests. Give --db a new file,
    or run it on the default database while it is still empty; run again, it only prints.

    \b
    Then try:
      ledger report 2021 --edition 2021
      ledger report 2021 --as-of 2022-01-20     # before the February amendment
      ledger list --open
    """
    from ledger.cli.alerts import alert_table
    from ledger.db import location
    from ledger.projections.alerts import compute_alerts
    from ledger.projections.annual import ReportRequest, build_report, collect
    from ledger.report.render import render

    app = app_of(ctx, create=True)
    where = location(app.engine)
    if is_built(app.store):
        click.echo(f"demo: the demonstration history is already recorded in {where}", err=True)
    else:
        count = build(app.store, today())
        events = app.store.last_position()
        click.echo(
            f"demo: recorded {count} steps ({events} events) for {AGENCY} in {where}", err=True
        )
    facts = collect(app.store)
    name, labels = facts.agency_names[AGENCY]
    report = build_report(facts, ReportRequest(year, frozenset({AGENCY}), None, name, labels))
    click.echo(render(report, "text"))
    day = today()
    found = compute_alerts(app.store, facts.calendar, day, 3, AGENCY)
    click.echo(f"\nAlerts as of {day} (ledger alerts):")
    click.echo(alert_table(found) if found else "none")
