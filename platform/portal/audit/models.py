"""The audit log tables: ``audit_log`` (one hash-chained row per event) and
``audit_chain_heads`` (per tenant: the last sequence number and hash).

Both are append-only in spirit: log rows are never changed or deleted (on PostgreSQL
triggers from migration 0002_audit refuse it), and a chain head only ever advances by one.
The head is what makes a deleted tail detectable: ``verify`` compares it with the last row.
Records are kept at least ``audit.retention_years`` (NEN 7513: 5 years). Older ones may be
archived (``portal.audit.archive``): written to a file, anchored by a signed checkpoint, and
only then removed; ``audit_archives`` names how far each chain is archived, and the database
refuses to delete any record it does not cover.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class AuditRecord(Base):
    """One event. ``(tenant_id, seq)`` is the primary key, so two writers can never
    store the same position in a tenant's chain (the last line of defence against a fork).

    ``record_hash`` = SHA-256 of the canonical serialisation (``portal.audit.chain``),
    which includes ``prev_hash``, the ``record_hash`` of ``seq - 1`` (zeros for seq 1).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_patient", "tenant_id", "patient_bsn", "occurred_at"),
        # The back office's log review and signal scan read a tenant's records by period.
        Index("ix_audit_log_tenant_time", "tenant_id", "occurred_at"),
        {"info": {"append_only": True}},
    )

    tenant_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    system: Mapped[str] = mapped_column(String(100))
    user_uzi: Mapped[str | None] = mapped_column(String(20))
    user_name: Mapped[str | None] = mapped_column(String(200))
    user_role: Mapped[str | None] = mapped_column(String(16))
    user_agb: Mapped[str | None] = mapped_column(String(16))
    user_organisation: Mapped[str | None] = mapped_column(String(200))
    responsible_uzi: Mapped[str | None] = mapped_column(String(20))
    network_address: Mapped[str | None] = mapped_column(String(64))
    patient_bsn: Mapped[str | None] = mapped_column(String(16))
    patient_number: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[str | None] = mapped_column(Text)
    grounds: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON object of strings
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest record of a tenant's chain. Appends lock this row (SELECT ... FOR
    UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE locks the whole database), so
    concurrent writers take turns."""

    __tablename__ = "audit_chain_heads"
    # Never deleted by the test fixture either: it must stay in step with audit_log.
    __table_args__ = ({"info": {"append_only": True}},)

    tenant_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    record_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditArchive(Base):
    """One archive run of a tenant's chain: records up to ``through_seq`` (whose hash is
    ``through_hash``, the last one in the archive file) were written to ``file_name`` and a
    signed archive checkpoint before they were removed. Rows are never changed or deleted;
    the database lets a record of ``audit_log`` be deleted only when a row here covers it."""

    __tablename__ = "audit_archives"
    __table_args__ = ({"info": {"append_only": True}},)

    tenant_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    through_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    through_hash: Mapped[str] = mapped_column(String(64))
    #: When the last archived record was written: the inzagelog says what it no longer holds.
    through_occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    file_name: Mapped[str] = mapped_column(String(255))
