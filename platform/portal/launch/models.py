"""Launches in the portal database, so that every worker and node sees the same state.

One row per accepted launch: the unique constraint on (tenant, issuer, launch id) is the
replay barrier. Two processes racing with the same ``jti`` both try to insert and exactly
one succeeds; the other answers "al gebruikt". The row then carries the launch to the
browser that brought it (``handle_hash``: SHA-256 of a random cookie) until it is used or
expires; its ``context`` (the verified claims, the patient's BSN among them) is cleared
when it is used. Rows stay until ``keep_until`` (past the launch's own expiry) so that a
replay within the launch's lifetime still finds them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class Launch(Base):
    """A launch of one tenant: ``kind`` is ``signed`` (a HIS's JWT) or ``smart`` (an EHR).

    ``stage``: ``authorising`` (SMART: waiting for the EHR's answer), ``ready`` (verified,
    waiting for its browser), ``used`` (the patient was opened or refused)."""

    __tablename__ = "launches"
    __table_args__ = (
        UniqueConstraint("tenant_id", "issuer", "launch_id", name="uq_launches_tenant_issuer_launch"),
        Index("ix_launches_keep_until", "keep_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    #: The trusted issuer's name from the tenant YAML (not the raw ``iss``).
    issuer: Mapped[str] = mapped_column(String(80))
    #: The JWT's ``jti``, or the SMART ``launch`` parameter.
    launch_id: Mapped[str] = mapped_column(String(255))
    stage: Mapped[str] = mapped_column(String(16))
    handle_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    context: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Until when the browser may still use it.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    keep_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
