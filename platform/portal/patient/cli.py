"""``portal death-notifications list`` and ``processed``: what GPs reported through "Melden overlijden patiënt",
for the hospital staff who verify a death before the EPD record is changed."""
from __future__ import annotations

from datetime import datetime, timezone

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import context
from ..cli import get_platform, tenant_app
from ..epd.errors import EpdError
from . import models as deaths
from .models import DeathNotificationRecord


@click.group("death-notifications", help="Deaths reported by providers (Melden overlijden patiënt).")
def death_notifications_cli() -> None:
    pass


@death_notifications_cli.command("list")
@click.option("--tenant", "tenant_id", required=True)
@with_appcontext
def list_notifications(tenant_id: str) -> None:
    """Oldest first: reported, EPD reference, patient (number and name from the EPD now),
    date and place of death, reporter. The portal itself never changes the EPD record."""
    connector = context.connector_of(tenant_app(tenant_id))
    with get_platform().database.session() as db:
        rows = db.execute(select(DeathNotificationRecord).where(DeathNotificationRecord.tenant_id == tenant_id)
                          .order_by(DeathNotificationRecord.id)).scalars().all()
    if not rows:
        click.echo("No death notifications.")
        return
    for row in rows:
        try:
            patient = connector.get_patient_summary(row.patient_id)
            who = f"{patient.patient_number}\t{patient.display_name}"
        except EpdError as error:  # still listed: the report must not get lost
            who = f"(patient not available from the EPD: {type(error).__name__})\t"
        click.echo(f"{row.reported_at:%Y-%m-%d %H:%M}\t{row.reference}\t{who}\tdied {row.date_of_death:%Y-%m-%d}"
                   f"\t{row.place_of_death or '-'}\treported by {row.reporter_name} (AGB {row.reporter_agb})"
                   f"\t{_state(row)}")


def _state(row: DeathNotificationRecord) -> str:
    if row.withdrawn_at is not None:
        return f"WITHDRAWN {row.withdrawn_at:%Y-%m-%d %H:%M} by the reporter: {row.withdrawn_reason}"
    if row.processed_at is not None:
        outcome = " (REJECTED)" if row.processed_outcome == "rejected" else ""
        return f"processed {row.processed_at:%Y-%m-%d %H:%M} by {row.processed_by}{outcome}"
    return "to be processed"


@death_notifications_cli.command("processed")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--by", "processed_by", required=True, help="Name of the staff member who verified the report")
@click.option("--rejected", is_flag=True, help="The report was not confirmed in the EPD (give --remark why).")
@click.option("--remark", default="", help="What the check in the EPD found.")
@click.argument("reference")
@with_appcontext
def mark_processed(tenant_id: str, processed_by: str, rejected: bool, remark: str, reference: str) -> None:
    """Record that the hospital verified and processed the report REFERENCE (confirmed in the
    EPD, or with --rejected not): from then on the reporter can no longer withdraw it."""
    tenant_app(tenant_id)  # an unknown tenant is a clear error
    with get_platform().database.session() as db:
        try:
            found = deaths.find_notification(db, tenant_id, reference=reference, for_update=True)
            row = deaths.check_processable(found, reference, tenant_id)
        except deaths.DeathNotificationError as exc:
            raise click.ClickException(str(exc)) from None
        deaths.process(row, by=processed_by, now=datetime.now(timezone.utc),
                       outcome="rejected" if rejected else "confirmed", remark=" ".join(remark.split()))
        db.commit()
    click.echo(f"{reference} processed.")
