"""`ledger demo`: build the demonstration history and show what ledger makes of it."""

from __future__ import annotations

import click

from ledger.cli._common import app_of, common_options
from ledger.demo import AGENCY, run_demo
from ledger.i18n import _


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
    Example:
      ledger demo --db demo.db
    \b
    Then try:
      ledger report 2021 --edition 2021
      ledger report 2021 --as-of 2022-01-20     # before the February amendment
      ledger list --open
    """
    from ledger.cli.alerts import alert_table
    from ledger.db import location

    app = app_of(ctx, create=True)
    where = location(app.db)
    shown = run_demo(app, year)
    if shown.built:
        click.echo(
            _("demo: recorded {steps} steps ({events} events) for {agency} in {where}").format(
                steps=shown.steps, events=shown.events, agency=AGENCY, where=where
            ),
            err=True,
        )
    else:
        click.echo(
            _("demo: the demonstration history is already recorded in {where}").format(where=where),
            err=True,
        )
    click.echo(shown.report)
    click.echo("\n" + _("Alerts as of {as_of} (ledger alerts):").format(as_of=shown.as_of))
    click.echo(alert_table(shown.alerts) if shown.alerts else _("none"))
