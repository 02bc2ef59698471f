"""Tables of the access module: emergency accesses, patient notifications, covering
practices (waarneming) and each provider's recently opened patients.

``patient_id`` is the connector's opaque key of the patient (never shown, never in URLs).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utcnow
from ..db import Base


class EmergencyAccess(Base):
    """Access granted through the noodprocedure: one provider, one patient, until ``expires_at``."""

    __tablename__ = "emergency_accesses"
    __table_args__ = (Index("ix_emergency_lookup", "tenant_id", "account_id", "patient_id", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    patient_id: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    network_address: Mapped[str | None] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PatientNotification(Base):
    """A message the hospital must send the patient (after an emergency access)."""

    __tablename__ = "patient_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    patient_id: Mapped[str] = mapped_column(String(128))
    patient_number: Mapped[str | None] = mapped_column(String(32))
    patient_name: Mapped[str | None] = mapped_column(String(200))
    provider_name: Mapped[str] = mapped_column(String(200))
    provider_practice: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Who marked it sent (a staff member's name; empty when marked with the CLI).
    sent_by: Mapped[str | None] = mapped_column(String(200))


class CoveringAuthorisation(Base):
    """A practice this provider may cover for (waarneming), authorised by the hospital."""

    __tablename__ = "covering_authorisations"
    __table_args__ = (UniqueConstraint("account_id", "practice_agb", name="uq_covering_account_practice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    practice_agb: Mapped[str] = mapped_column(String(8))
    valid_until: Mapped[date | None] = mapped_column(Date)


class RecentPatient(Base):
    """The patients a provider opened lately at this tenant ("Recente")."""

    __tablename__ = "recent_patients"
    __table_args__ = (UniqueConstraint("account_id", "patient_id", name="uq_recent_account_patient"),
                      Index("ix_recent_account_opened", "account_id", "opened_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    patient_id: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
