"""The back office's own tables. Verdicts are kept as a history (one row per verdict, the
newest counts): a "to be discussed" is followed later by the outcome of the discussion."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
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
