"""``portal notifications`` (the patients' emergency-access messages) and ``portal access
covering`` (practices a provider may cover for)."""
from __future__ import annotations

import sys
from datetime import date, datetime, timezone

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..accounts.models import Account
from ..cli import get_platform, tenant_app
from . import notifications
from .covering import CoveringError, authorise, check_practice_agb, withdraw
from .models import PatientNotification


@click.group("notifications", help="Messages the hospital must send to patients (after a noodprocedure).")
def notifications_cli() -> None:
    pass


@notifications_cli.command("list")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--all", "show_all", is_flag=True, help="Also those already marked as sent.")
@with_appcontext
def list_notifications(tenant_id: str, show_all: bool) -> None:
    """The queue, oldest first: id, created, patient number and name, provider, reason."""
    tenant_app(tenant_id)
    query = select(PatientNotification).where(PatientNotification.tenant_id == tenant_id)
    if not show_all:
        query = query.where(PatientNotification.sent_at.is_(None))
    with get_platform().database.session() as db:
        rows = db.execute(query.order_by(PatientNotification.id)).scalars().all()
    if not rows:
        click.echo("No notifications queued.")
        return
    for n in rows:
        status = f"sent {n.sent_at:%Y-%m-%d}" if n.sent_at else "queued"
        click.echo(f"{n.id}\t{n.created_at:%Y-%m-%d %H:%M}\t{n.kind}\t{n.patient_number}\t{n.patient_name}\t"
                   f"{n.provider_name} ({n.provider_practice or '-'})\t{status}\treason: {n.reason}")


@notifications_cli.command("mark-sent")
@click.option("--tenant", "tenant_id", required=True)
@click.argument("notification_ids", nargs=-1, type=int, required=True)
@with_appcontext
def mark_sent(tenant_id: str, notification_ids: tuple[int, ...]) -> None:
    """Mark notifications as sent to the patient."""
    tenant_app(tenant_id)
    with get_platform().database.session() as db:
        try:
            rows = notifications.of_tenant(db, tenant_id, notification_ids)
        except notifications.UnknownNotification as exc:
            click.echo(f"Error: no notification {exc} at tenant {tenant_id}; nothing changed.", err=True)
            sys.exit(1)
        notifications.mark_sent(rows, now=datetime.now(timezone.utc))
    click.echo(f"Marked {len(rows)} notification(s) as sent.")


@click.group("access", help="Access settings kept with the accounts.")
def access_cli() -> None:
    pass


@access_cli.command("cover")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--uzi", "uzi_number", required=True, help="UZI number of the covering provider.")
@click.option("--practice-agb", required=True, help="AGB code of the practice they cover for.")
@click.option("--until", "valid_until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--remove", is_flag=True, help="Withdraw the authorisation instead.")
@with_appcontext
def cover(tenant_id: str, uzi_number: str, practice_agb: str, valid_until: datetime | None, remove: bool) -> None:
    """Authorise (or withdraw) a provider to see the patients of another practice (waarneming)."""
    tenant_app(tenant_id)
    try:
        check_practice_agb(practice_agb)
    except CoveringError:
        click.echo("Error: --practice-agb must be 8 digits.", err=True)
        sys.exit(1)
    until: date | None = valid_until.date() if valid_until else None
    with get_platform().database.session() as db:
        account = db.execute(select(Account).where(Account.tenant_id == tenant_id,
                                                   Account.uzi_number == uzi_number)).scalar_one_or_none()
        if account is None:
            click.echo(f"Error: no account with UZI number {uzi_number} at tenant {tenant_id}.", err=True)
            sys.exit(1)
        if remove:
            withdraw(db, account.id, practice_agb)
            click.echo(f"{account.name} no longer covers practice {practice_agb}.")
            return
        authorise(db, account.id, practice_agb, until)
    click.echo(f"{account.name} covers practice {practice_agb}" + (f" until {until:%Y-%m-%d}." if until else "."))
