"""Death notifications (Melden overlijden patiënt) reported through the portal.

The portal keeps its own record beside passing the notification to the EPD: to recognise a
second report for the same patient, and for the hospital to see what was reported by whom.
The EPD record itself is never changed by the portal; the hospital's staff verify first.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

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
