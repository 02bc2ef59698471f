"""The back office's own tables. Verdicts are kept as a history (one row per verdict, the
newest counts): a "to be discussed" is followed later by the outcome of the discussion."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utcnow
from ..db import Base

#: Verdict code -> what the privacy officer reads.
VERDICTS = {"justified": "Terecht", "to_discuss": "Te bespreken", "unjustified": "Onterecht"}


class EmergencyReview(Base):
    """The privacy officer's verdict on one noodprocedure (``emergency_accesses`` row)."""

    __tablename__ = "backoffice_emergency_reviews"
    __table_args__ = (Index("ix_backoffice_emergency_reviews_access", "tenant_id", "access_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    access_id: Mapped[int] = mapped_column(ForeignKey("emergency_accesses.id"))
    verdict: Mapped[str] = mapped_column(String(16))
    remark: Mapped[str] = mapped_column(Text)
    reviewer_name: Mapped[str] = mapped_column(String(200))
    reviewer_subject: Mapped[str] = mapped_column(String(200))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Signal(Base):
    """One raised signal of the log review (``portal.backoffice.signals``): ``kind`` on ``day``
    (local) for ``subject`` (a UZI number, a practice, or ``uzi/patient number`` for the watch
    list). The unique key makes recomputing idempotent: a signal already raised is kept as it
    is (with its closing), only its counts are refreshed. ``first_seq``..``last_seq`` bound
    the audit records behind it."""

    __tablename__ = "backoffice_signals"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "day", "subject",
                                       name="uq_backoffice_signals_key"),
                      Index("ix_backoffice_signals_open", "tenant_id", "closed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(300))
    provider_uzi: Mapped[str | None] = mapped_column(String(20))
    provider_name: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[str | None] = mapped_column(String(200))
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(200))
    remark: Mapped[str | None] = mapped_column(Text)


class InzagelogRequest(Base):
    """A patient's request for their inzagelog, as the privacy officer entered it, and its
    delivery. ``patient_bsn`` is kept as the audit log keeps it (the 9 digits), so the request
    and its audit records are found by the same value. ``delivered_*`` is the last download;
    ``downloads`` counts them (each is audited with the staff member who downloaded)."""

    __tablename__ = "backoffice_inzagelog_requests"
    __table_args__ = (Index("ix_backoffice_inzagelog_requests_tenant", "tenant_id", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    patient_bsn: Mapped[str] = mapped_column(String(16))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    file_format: Mapped[str] = mapped_column(String(8))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_by_subject: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    entries: Mapped[int | None] = mapped_column(Integer)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    delivered_by: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def status(self) -> str:
        return "geleverd" if self.delivered_at is not None else "nog niet geleverd"
