"""``portal notifications send-digests``: the worklist e-mails, for cron or a systemd timer."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from .. import context
from ..cli import get_platform, tenant_app
from .digests import send_digests
from .views import EXTENSION


@click.command("send-digests")
@click.option("--tenant", "tenant_id", default=None,
              help="Only this tenant (default: every tenant offering the e-mail)")
@with_appcontext
def send_digests_command(tenant_id: str | None) -> None:
    """Send each subscribed provider the e-mail of this period when their worklist has news
    (idempotent: run it as often as you like; a period is never sent twice). Exits 1 when an
    e-mail failed (a later run tries it again)."""
    platform = get_platform()
    apps = {tenant_id: tenant_app(tenant_id)} if tenant_id else platform.apps
    failed = False
    for tid, app in sorted(apps.items()):
        count_events = app.extensions.get(EXTENSION)
        if count_events is None:
            click.echo(f"{tid}: notification e-mail not configured (notifications in tenant.yaml, worklist menu)")
            continue
        # The tenant's app context: its connector, clock and database, as in a request.
        with app.app_context(), platform.database.session() as session:
            report = send_digests(session, context.tenant_of(app), context.connector_of(app), context.clock_of(app),
                                  count_events)
        click.echo(f"{tid}: {report.sent} sent, {report.failed} failed, {report.nothing_new} without news, "
                   f"{report.skipped} already done, {report.unknown} interrupted earlier (not resent)")
        for error in report.errors:
            click.echo(f"{tid}: {error}", err=True)
        failed = failed or report.failed > 0 or bool(report.errors)
    if failed:
        sys.exit(1)
