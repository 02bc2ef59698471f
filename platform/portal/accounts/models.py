"""The ``accounts`` table: one row per provider per hospital."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Account(Base):
    """A provider's account at one tenant. A UZI-pas alone is not enough: login needs an
    active account whose ``uzi_number`` matches the card; a Dezi login one whose
    ``dezi_number`` matches the Dezi-verklaring (and, when set, whose ``ura`` is the
    verklaring's organisation)."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "uzi_number", name="uq_accounts_tenant_uzi"),
                      UniqueConstraint("tenant_id", "dezi_number", name="uq_accounts_tenant_dezi"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32), index=True)
    uzi_number: Mapped[str] = mapped_column(String(9))
    agb_code: Mapped[str] = mapped_column(String(8), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(6))
    practice_name: Mapped[str | None] = mapped_column(String(200))
    practice_agb: Mapped[str | None] = mapped_column(String(8))
    #: Optional columns of the ZorgNetOost file: the Dezi-nummer and the URA of the
    #: provider's organisation (UZI-register abonneenummer), both None until sent.
    dezi_number: Mapped[str | None] = mapped_column(String(32))
    ura: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The address ZorgNetOost registered (optional column of the import): the worklist's
    #: notification e-mail may go there without a confirmation link.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
