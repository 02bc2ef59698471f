"""Death notifications (Melden overlijden patiënt) reported through the portal.

The portal keeps its own record beside passing the notification to the EPD: to recognise a
second report for the same patient, and for the hospital to see what was reported by whom.
The EPD record itself is never changed by the portal; the hospital's staff verify first.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..accounts.models import utcnow
from ..db import Base


class DeathNotificationRecord(Base):
    """One standing report of a death per patient per tenant: the unique index over the
    reports not withdrawn makes a second report of the same patient a recognised duplicate,
    also when two providers report at once. The reporter may withdraw it (with a reason)
    until the hospital has processed it (``portal death-notifications processed``)."""

    __tablename__ = "death_notifications"
    __table_args__ = (Index("uq_death_notifications_active", "tenant_id", "patient_id", unique=True,
                            postgresql_where=text("withdrawn_at IS NULL"),
                            sqlite_where=text("withdrawn_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    #: The connector's opaque key of the patient (never shown, never in URLs).
    patient_id: Mapped[str] = mapped_column(String(128))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    reporter_name: Mapped[str] = mapped_column(String(200))
    reporter_agb: Mapped[str] = mapped_column(String(8))
    reporter_uzi: Mapped[str | None] = mapped_column(String(9))
    date_of_death: Mapped[date] = mapped_column(Date)
    place_of_death: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    #: The EPD's reference of the submitted notification.
    reference: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    #: When and by whom the hospital's staff processed the report (then it stands).
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    processed_by: Mapped[str | None] = mapped_column(String(200))
    #: ``confirmed`` (in the EPD) or ``rejected`` (``OUTCOMES`` below); empty when
    #: processed before the outcome was kept.
    processed_outcome: Mapped[str | None] = mapped_column(String(16))
    processed_remark: Mapped[str | None] = mapped_column(Text)


# Processing a reported death (``portal death-notifications processed`` and the back office):
# the hospital checks the report in the EPD and either confirms it there or rejects it, with a
# remark. Either way the report is then processed and stands: the reporter can no longer
# withdraw it. A withdrawn report, or one already processed, cannot be processed. (Here, beside
# the table, because the back office may read a screen's models but not the rest of it.)

#: Outcome code -> what the staff member reads.
OUTCOMES = {"confirmed": "Bevestigd in het EPD", "rejected": "Afgewezen"}


class DeathNotificationError(Exception):
    """The report cannot be processed (unknown, withdrawn, already processed); the message says why."""


def state(row: DeathNotificationRecord) -> str:
    """``withdrawn``, ``processed`` or ``open``."""
    if row.withdrawn_at is not None:
        return "withdrawn"
    return "processed" if row.processed_at is not None else "open"


def find_notification(session: Session, tenant_id: str, *, reference: str | None = None, row_id: int | None = None,
         for_update: bool = False) -> DeathNotificationRecord | None:
    query = select(DeathNotificationRecord).where(DeathNotificationRecord.tenant_id == tenant_id)
    if reference is not None:
        query = query.where(DeathNotificationRecord.reference == reference)
    if row_id is not None:
        query = query.where(DeathNotificationRecord.id == row_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def check_processable(row: DeathNotificationRecord | None, label: str, tenant_id: str) -> DeathNotificationRecord:
    """``row`` if it may be processed now, else ``DeathNotificationError`` (the CLI's messages)."""
    if row is None:
        raise DeathNotificationError(f"no death notification {label} at tenant {tenant_id}")
    if row.withdrawn_at is not None:
        raise DeathNotificationError(f"{row.reference} was withdrawn by the reporter on "
                                     f"{row.withdrawn_at:%Y-%m-%d %H:%M}: {row.withdrawn_reason}")
    if row.processed_at is not None:
        raise DeathNotificationError(f"{row.reference} was already processed on {row.processed_at:%Y-%m-%d %H:%M}")
    return row


def process(row: DeathNotificationRecord, *, by: str, now: datetime, outcome: str = "confirmed",
            remark: str | None = None) -> None:
    """Mark ``row`` processed (call ``check_processable`` first, in the same transaction, with
    the row locked; the caller commits)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    row.processed_at = now
    row.processed_by = " ".join(by.split())[:200]
    row.processed_outcome = outcome
    row.processed_remark = remark or None
