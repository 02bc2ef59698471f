"""``portal backoffice signals --tenant X``: compute the log review's signals (for cron)."""
from __future__ import annotations

import sys
from datetime import datetime

import click
from sqlalchemy.exc import SQLAlchemyError

from ..audit.setup import load_setup
from ..clock import HospitalClock
from ..settings import SettingsError
from ..tenants import TenantConfigError
from . import signals


@click.group("backoffice", help="The hospital's back office: the log review's signals.")
def backoffice_cli() -> None:
    pass


@backoffice_cli.command("signals")
@click.option("--tenant", "tenant_id", required=True, help="The tenant whose audit log is computed.")
def signals_command(tenant_id: str) -> None:
    """Raise the signals of the last ``backoffice.signals.window_days`` days (idempotent)."""
    try:
        setup = load_setup()
    except (TenantConfigError, SettingsError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    try:
        tenant = setup.tenant(tenant_id)
        clock = HospitalClock(tenant.timezone)
        today = datetime.now(clock.zone).date()
        with setup.database.session() as db:
            new = signals.compute(db, tenant.id, tenant.backoffice.signals, today, clock.zone)
            db.commit()
            click.echo(f"{tenant.id}: {len(new)} new signal(s) over the {tenant.backoffice.signals.window_days} "
                       f"days up to {today.isoformat()}")
    except SQLAlchemyError as exc:
        click.echo(f"Error: cannot compute signals ({type(getattr(exc, 'orig', None) or exc).__name__})", err=True)
        sys.exit(2)
    finally:
        setup.database.dispose()
