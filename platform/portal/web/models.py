"""Rate-limit counters, in the portal database so that every worker and machine counts together."""
from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class RateLimitCounter(Base):
    """Requests of one key (a SHA-256 of tenant, scope and who) in one fixed window.

    ``window_index`` is the window's number (Unix time // window length); rows are purged
    once ``expires_at`` (Unix time) has passed, when the next window no longer needs them.
    The key is a digest, so the table holds no addresses or UZI numbers in clear.
    """

    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index("ix_rate_limit_counters_expires_at", "expires_at"),)

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[int] = mapped_column(BigInteger)
