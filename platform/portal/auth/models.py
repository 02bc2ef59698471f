"""Server-side sessions and login challenges, in the portal database.

Both live in the database rather than in process memory so that every worker and every
machine sees the same state: a logout, a deactivation or a used challenge takes effect
everywhere at once. Only SHA-256 digests of the random tokens are stored, so a copy of
the table cannot be replayed as cookies or challenges.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class SessionRecord(Base):
    """One browser session of one tenant. ``account_id`` is set while a provider is logged in."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_expires_at", "expires_at"),)

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: min(last_seen_at + idle timeout, created_at + absolute lifetime); rows past it are dead.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginChallenge(Base):
    """A challenge issued to one browser session of one tenant; used at most once."""

    __tablename__ = "auth_challenges"
    __table_args__ = (Index("ix_auth_challenges_expires_at", "expires_at"),)

    challenge_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    session_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
